// Alert notification channels: webhook, ntfy, Telegram and email. Each sends one notice once; the
// caller retries with backoff and records deliveries. Nothing here opens a socket until send().
import { z } from 'zod';
import { SatscopeError } from '../errors.ts';
import { emailChannel } from './channels/email.ts';
import { ntfyChannel } from './channels/ntfy.ts';
import { telegramChannel } from './channels/telegram.ts';
import type { Channel, ChannelOptions } from './channels/types.ts';
import { webhookChannel } from './channels/webhook.ts';

export type { AlertNotice, Channel, ChannelName, ChannelOptions } from './channels/types.ts';
export { signBody } from './channels/webhook.ts';

export const DEFAULT_TIMEOUT_MS = 10_000;
export const TELEGRAM_API_URL = 'https://api.telegram.org';

function urlWith(protocols: readonly string[], what: string) {
  return z.string().refine((s) => URL.canParse(s) && protocols.includes(new URL(s).protocol), `must be ${what}`);
}

const httpUrl = urlWith(['http:', 'https:'], 'an http:// or https:// URL');
/** An empty secret would sign with an empty key or send "Bearer ": it means "not set". */
const optionalSecret = z
  .string()
  .optional()
  .transform((s) => (s === '' ? undefined : s));

// Messages name the field and never echo its value: the values include secrets.
const OptionsSchema = z.object({
  webhook: z.object({ url: httpUrl, secret: optionalSecret }).optional(),
  ntfy: z
    .object({
      url: httpUrl.refine((s) => URL.canParse(s) && new URL(s).pathname.length > 1, 'must name a topic, e.g. https://ntfy.sh/mytopic'),
      token: optionalSecret,
    })
    .optional(),
  telegram: z
    .object({
      botToken: z.string().regex(/^\d+:[\w-]+$/, 'must look like 123456:ABC-DEF (the token BotFather gave)'),
      chatId: z.string().trim().min(1, 'must not be empty'),
      apiUrl: z
        .string()
        .transform((s) => (s.trim() === '' ? TELEGRAM_API_URL : s))
        .pipe(httpUrl),
    })
    .optional(),
  email: z
    .object({
      smtpUrl: urlWith(['smtp:', 'smtps:'], 'an smtp:// or smtps:// URL'),
      from: z.string().trim().min(1, 'must not be empty'),
      to: z.array(z.string().trim().min(1, 'must not be empty')).min(1, 'must list at least one address'),
    })
    .optional(),
  timeoutMs: z.number().int().positive().default(DEFAULT_TIMEOUT_MS),
});

/** The configured channels, in a fixed order; every problem with the options is reported at once. */
export function buildChannels(opts: ChannelOptions): Channel[] {
  const parsed = OptionsSchema.safeParse(opts);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'options'} ${i.message}`);
    throw new SatscopeError('CONFIG_INVALID', `Alert channels: ${problems.join('; ')}`);
  }
  const { webhook, ntfy, telegram, email, timeoutMs } = parsed.data;
  const channels: Channel[] = [];
  if (webhook) channels.push(webhookChannel(new URL(webhook.url), webhook.secret, timeoutMs));
  if (ntfy) channels.push(ntfyChannel(new URL(ntfy.url), ntfy.token, timeoutMs));
  if (telegram) channels.push(telegramChannel(new URL(telegram.apiUrl), telegram.botToken, telegram.chatId, timeoutMs));
  if (email) channels.push(emailChannel(email.smtpUrl, email.from, email.to, timeoutMs));
  return channels;
}
