// The shapes shared by the alert notification channels (src/alerts/channels.ts builds them).

export interface AlertNotice {
  /** Unique id of this firing (the same for its "resolved" notice). */
  firingId: string;
  ruleId: string;
  state: 'firing' | 'resolved';
  severity: 'info' | 'warning' | 'critical';
  /** One short line, e.g. "Next-block fee above 100 sat/vB". */
  title: string;
  /** A sentence or two with the value, e.g. "The next-block fee is 412 sat/vB (threshold 100)." */
  message: string;
  value: number | null;
  threshold: number | null;
  firedAtMs: number;
  resolvedAtMs: number | null;
  /** Link to the dashboard's Health page when a public URL is known, else null. */
  url: string | null;
}

export type ChannelName = 'webhook' | 'ntfy' | 'telegram' | 'email';

export interface Channel {
  name: ChannelName;
  /** Where it sends, with every secret removed (host only for URLs; never a token). */
  target: string;
  /** Sends once; throws an Error whose message never contains a secret (token, password, webhook secret, bot token, URL userinfo or query). */
  send(notice: AlertNotice, signal?: AbortSignal): Promise<void>;
  close?(): Promise<void>;
}

export interface ChannelOptions {
  webhook?: { url: string; secret: string | undefined };
  /** url = the full topic URL, e.g. https://ntfy.sh/mytopic */
  ntfy?: { url: string; token: string | undefined };
  /** apiUrl default https://api.telegram.org */
  telegram?: { botToken: string; chatId: string; apiUrl: string };
  email?: { smtpUrl: string; from: string; to: string[] };
  /** Per-attempt timeout, default 10_000 ms. */
  timeoutMs?: number;
}
