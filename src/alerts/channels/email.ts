// Email over SMTP with nodemailer. The SMTP URL (smtp:// or smtps://) may hold the login in its
// userinfo; nodemailer's errors quote server replies, never the password, and ours are redacted too.
import type { Transporter } from 'nodemailer';
import { attemptFailure, attemptSignal, channelError, errorCode, excerpt, headline, makeRedactor, plainText, urlSecrets, type SendContext } from './common.ts';
import type { AlertNotice, Channel } from './types.ts';

export function emailSubject(notice: AlertNotice): string {
  return `[Satscope] ${headline(notice)}`;
}

export function emailChannel(smtpUrl: string, from: string, to: readonly string[], timeoutMs: number): Channel {
  const url = new URL(smtpUrl);
  const ctx: SendContext = { name: 'email', host: url.host, timeoutMs, redact: makeRedactor(urlSecrets(url)) };
  // createTransport(url) alone keeps nodemailer's defaults (a 2 minute connect, an hour of socket
  // idleness); a transport instance takes the URL and the per-attempt timeouts together.
  // nodemailer (about 12 MB once loaded) is loaded on the first mail, not by every process at start.
  let transport: Promise<Transporter> | undefined;
  const open = () =>
    (transport ??= (async () => {
      const [{ default: nodemailer }, { default: SMTPTransport }] = await Promise.all([import('nodemailer'), import('nodemailer/lib/smtp-transport/index.js')]);
      return nodemailer.createTransport(new SMTPTransport({ url: smtpUrl, connectionTimeout: timeoutMs, greetingTimeout: timeoutMs, socketTimeout: timeoutMs, dnsTimeout: timeoutMs }));
    })());
  return {
    name: 'email',
    // Addresses are personal data and this is shown without a login: the host and how many.
    target: `${url.host} to ${to.length} recipient${to.length === 1 ? '' : 's'}`,
    async send(notice, caller) {
      const { signal, timeout } = attemptSignal(timeoutMs, caller);
      try {
        signal.throwIfAborted();
        const sending = (await open()).sendMail({ from, to: [...to], subject: emailSubject(notice), text: plainText(notice) });
        await untilAborted(sending, signal);
      } catch (err) {
        throw mailFailure(ctx, err, timeout, caller);
      }
    },
    async close() {
      if (transport) (await transport).close();
    },
  };
}

/** nodemailer takes no AbortSignal: the attempt stops waiting, and the socket timeout ends the rest. */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function mailFailure(ctx: SendContext, err: unknown, timeout: AbortSignal, caller: AbortSignal | undefined): Error {
  if (timeout.aborted || caller?.aborted) return attemptFailure(ctx, err, timeout, caller);
  const smtp = err as { responseCode?: unknown; response?: unknown };
  const replyCode = typeof smtp.responseCode === 'number' ? ` ${smtp.responseCode}` : '';
  const said = typeof smtp.response === 'string' ? `: ${excerpt(smtp.response)}` : '';
  switch (errorCode(err)) {
    case 'EAUTH':
      return channelError(ctx, 'UPSTREAM_HTTP', `${ctx.host} refused the login${replyCode}${said}`, err);
    case 'EENVELOPE':
    case 'EMESSAGE':
    case 'EPROTOCOL':
      return channelError(ctx, 'UPSTREAM_HTTP', `${ctx.host} refused the message${replyCode}${said}`, err);
    case 'ETIMEDOUT':
      return channelError(ctx, 'UPSTREAM_TIMEOUT', `${ctx.host} did not answer within ${ctx.timeoutMs} ms`, err);
    default:
      return attemptFailure(ctx, err, timeout, caller);
  }
}
