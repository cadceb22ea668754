// A generic JSON webhook. With a secret, the receiver can check the body came from us: the header
// X-Satscope-Signature is "sha256=" + hex HMAC-SHA256 of the exact raw body bytes (as GitHub does
// with X-Hub-Signature-256), so it must verify before parsing the JSON.
import { createHmac } from 'node:crypto';
import { isoTime, makeRedactor, postOnce, statusError, urlSecrets, type SendContext } from './common.ts';
import type { AlertNotice, Channel } from './types.ts';

export function signBody(rawBody: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(rawBody, 'utf8').digest('hex')}`;
}

/** The body's field order is fixed: a receiver may log or diff it. */
export function webhookBody(notice: AlertNotice): string {
  return JSON.stringify({
    event: 'alert',
    state: notice.state,
    firingId: notice.firingId,
    ruleId: notice.ruleId,
    severity: notice.severity,
    title: notice.title,
    message: notice.message,
    value: notice.value,
    threshold: notice.threshold,
    firedAt: isoTime(notice.firedAtMs),
    resolvedAt: isoTime(notice.resolvedAtMs),
    url: notice.url,
  });
}

export function webhookChannel(url: URL, secret: string | undefined, timeoutMs: number): Channel {
  const ctx: SendContext = { name: 'webhook', host: url.host, timeoutMs, redact: makeRedactor([secret, ...urlSecrets(url)]) };
  return {
    name: 'webhook',
    target: url.host,
    async send(notice, signal) {
      const body = webhookBody(notice);
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        'x-satscope-event': 'alert',
        'x-satscope-delivery': `${notice.firingId}:${notice.state}`,
      };
      if (secret !== undefined) headers['x-satscope-signature'] = signBody(body, secret);
      const reply = await postOnce(ctx, url.href, headers, body, signal);
      if (!reply.ok) throw statusError(ctx, reply);
    },
  };
}
