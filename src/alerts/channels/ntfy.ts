// ntfy (https://docs.ntfy.sh/publish/): the message is the body, the rest are headers.
import { makeRedactor, oneLine, postOnce, statusError, urlSecrets, type SendContext } from './common.ts';
import type { AlertNotice, Channel } from './types.ts';

const PRIORITY = { critical: 'urgent', warning: 'high', info: 'default' } as const;
const MAX_TITLE_CHARS = 200;

/**
 * A header value must be ASCII; ntfy decodes RFC 2047 encoded words in its headers, so a title with
 * other characters (or one that looks like an encoded word already) is sent as =?UTF-8?B?...?=.
 */
export function headerText(text: string): string {
  if (/^[\x20-\x7e]*$/.test(text) && !text.includes('=?')) return text;
  return `=?UTF-8?B?${Buffer.from(text, 'utf8').toString('base64')}?=`;
}

export function ntfyHeaders(notice: AlertNotice, token: string | undefined): Record<string, string> {
  const firing = notice.state === 'firing';
  const title = oneLine(firing ? notice.title : `Resolved: ${notice.title}`).slice(0, MAX_TITLE_CHARS);
  const headers: Record<string, string> = {
    'content-type': 'text/plain; charset=utf-8',
    title: headerText(title),
    // A resolved notice should not buzz a phone the way the firing one did.
    priority: firing ? PRIORITY[notice.severity] : 'default',
    tags: firing ? 'rotating_light' : 'white_check_mark',
  };
  const click = clickUrl(notice.url);
  if (click !== undefined) headers.click = click;
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  return headers;
}

/** URL.href is ASCII (punycode host, percent-encoded path); an unparsable link is left out. */
function clickUrl(url: string | null): string | undefined {
  if (url === null) return undefined;
  try {
    return new URL(url).href;
  } catch {
    return undefined;
  }
}

export function ntfyChannel(topicUrl: URL, token: string | undefined, timeoutMs: number): Channel {
  const ctx: SendContext = { name: 'ntfy', host: topicUrl.host, timeoutMs, redact: makeRedactor([token, ...urlSecrets(topicUrl)]) };
  return {
    name: 'ntfy',
    target: topicUrl.host,
    async send(notice, signal) {
      const reply = await postOnce(ctx, topicUrl.href, ntfyHeaders(notice, token), notice.message, signal);
      if (!reply.ok) throw statusError(ctx, reply);
    },
  };
}
