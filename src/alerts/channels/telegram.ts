// Telegram Bot API sendMessage (https://core.telegram.org/bots/api#sendmessage). The bot token is
// in the URL path, so no URL ever goes into an error: errors name the API host and the reply only.
import { z } from 'zod';
import { channelError, excerpt, headline, makeRedactor, plainText, postOnce, statusError, urlSecrets, type SendContext } from './common.ts';
import type { AlertNotice, Channel } from './types.ts';

/** Telegram refuses a text longer than 4096 characters. */
const MAX_TEXT_CHARS = 4096;

const TelegramReply = z.object({
  ok: z.boolean(),
  error_code: z.number().int().optional(),
  description: z.string().optional(),
});

export function telegramText(notice: AlertNotice): string {
  const mark = notice.state === 'firing' ? '🚨' : '✅';
  const text = `${mark} ${headline(notice)}\n\n${plainText(notice)}`;
  return text.length > MAX_TEXT_CHARS ? `${text.slice(0, MAX_TEXT_CHARS - 1)}…` : text;
}

export function telegramChannel(apiUrl: URL, botToken: string, chatId: string, timeoutMs: number): Channel {
  const ctx: SendContext = { name: 'telegram', host: apiUrl.host, timeoutMs, redact: makeRedactor([botToken, ...urlSecrets(apiUrl)]) };
  const base = apiUrl.href.replace(/\/+$/, '');
  const endpoint = `${base}/bot${botToken}/sendMessage`;
  return {
    name: 'telegram',
    target: `${apiUrl.host} chat ${chatId}`,
    async send(notice, signal) {
      const body = JSON.stringify({ chat_id: chatId, text: telegramText(notice), disable_web_page_preview: true });
      const reply = await postOnce(ctx, endpoint, { 'content-type': 'application/json' }, body, signal);
      const parsed = TelegramReply.safeParse(parseJson(reply.text));
      if (!parsed.success) {
        if (!reply.ok) throw statusError(ctx, reply);
        throw channelError(ctx, 'UPSTREAM_MALFORMED', `${ctx.host} answered HTTP ${reply.status} with a reply that is not a Bot API answer`);
      }
      if (reply.ok && parsed.data.ok) return;
      const code = parsed.data.error_code ?? reply.status;
      throw channelError(ctx, 'UPSTREAM_HTTP', `${code} ${excerpt(parsed.data.description ?? 'no description')}`);
    },
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
