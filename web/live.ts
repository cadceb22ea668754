// One live connection per browser: the tab that holds the Web Lock "satscope-live" opens the SSE
// stream and relays every event to the other tabs over a BroadcastChannel; when it closes, the
// next tab takes the lock and connects. The stream reconnects with exponential backoff (resuming
// with the last event id); while it is down the tab polls /api/v1/live, and says "offline" when
// that fails too. Hidden tabs poll less often.

export type LiveState = 'connecting' | 'live' | 'polling' | 'offline';
export interface LivePayload {
  tsMs: number;
  data: unknown;
}
type Message = { kind: 'event'; type: string; payload: LivePayload } | { kind: 'state'; state: LiveState } | { kind: 'hello' };

export const EVENT_TYPES = ['block', 'chain', 'mempool', 'fees', 'nodes', 'electrum', 'price', 'market', 'score', 'mining', 'workers', 'jobs', 'alert', 'public-mempool', 'public-coingecko', 'public-coinbase', 'public-blockchain', 'public-bitnodes', 'public-forkmonitor', 'public-ocean'] as const;
const BACKOFF_MIN_MS = 1000;
const BACKOFF_MAX_MS = 15_000;
const POLL_VISIBLE_MS = 10_000;
const POLL_HIDDEN_MS = 60_000;

interface Snapshot {
  id: string;
  events: Record<string, LivePayload>;
}

export class LiveClient {
  private state: LiveState = 'connecting';
  private readonly latest = new Map<string, LivePayload>();
  private channel: BroadcastChannel | undefined;
  private source: EventSource | undefined;
  private lastId = '';
  private failures = 0;
  private pollTimer: number | undefined;
  private leading = false;

  constructor(
    private readonly onEvent: (type: string, payload: LivePayload) => void,
    private readonly onState: (state: LiveState) => void,
  ) {}

  start(): void {
    if (typeof BroadcastChannel !== 'undefined') {
      this.channel = new BroadcastChannel('satscope-live');
      this.channel.onmessage = (e: MessageEvent<Message>) => this.fromChannel(e.data);
    }
    const locks = (navigator as Navigator & { locks?: LockManager }).locks;
    if (!locks || !this.channel) return this.lead();
    // Held until this tab closes; the next waiting tab then leads.
    void locks.request('satscope-live', () => new Promise<void>(() => this.lead()));
    this.channel.postMessage({ kind: 'hello' } satisfies Message);
  }

  private fromChannel(m: Message): void {
    if (m.kind === 'hello') {
      if (!this.leading) return;
      this.channel?.postMessage({ kind: 'state', state: this.state } satisfies Message);
      for (const [type, payload] of this.latest) this.channel?.postMessage({ kind: 'event', type, payload } satisfies Message);
    } else if (!this.leading) {
      if (m.kind === 'state') this.setState(m.state);
      else this.deliver(m.type, m.payload);
    }
  }

  private lead(): void {
    this.leading = true;
    this.connect();
  }

  private setState(state: LiveState): void {
    if (state === this.state) return;
    this.state = state;
    this.onState(state);
    if (this.leading) this.channel?.postMessage({ kind: 'state', state } satisfies Message);
  }

  private deliver(type: string, payload: LivePayload): void {
    const known = this.latest.get(type);
    if (known && known.tsMs > payload.tsMs) return;
    this.latest.set(type, payload);
    this.onEvent(type, payload);
    if (this.leading) this.channel?.postMessage({ kind: 'event', type, payload } satisfies Message);
  }

  private applySnapshot(s: Snapshot): void {
    for (const [type, payload] of Object.entries(s.events)) this.deliver(type, payload);
  }

  private connect(): void {
    const url = this.lastId ? `/api/stream?lastEventId=${encodeURIComponent(this.lastId)}` : '/api/stream';
    const es = new EventSource(url);
    this.source = es;
    es.onopen = () => {
      this.failures = 0;
      this.stopPolling();
      this.setState('live');
    };
    const handle = (type: string) => (e: MessageEvent<string>) => {
      if (e.lastEventId) this.lastId = e.lastEventId;
      try {
        const parsed = JSON.parse(e.data) as LivePayload | Snapshot;
        if (type === 'snapshot') this.applySnapshot(parsed as Snapshot);
        else this.deliver(type, parsed as LivePayload);
      } catch {
        // A frame that is not JSON is ignored; the next snapshot or poll catches up.
      }
    };
    es.addEventListener('snapshot', handle('snapshot'));
    for (const t of EVENT_TYPES) es.addEventListener(t, handle(t));
    es.onerror = () => {
      es.close();
      if (this.source !== es) return;
      this.source = undefined;
      this.failures++;
      if (this.state === 'live') this.setState('connecting');
      void this.pollOnce();
      const delay = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** (this.failures - 1));
      window.setTimeout(() => this.connect(), delay * (0.8 + Math.random() * 0.4));
    };
  }

  private async pollOnce(): Promise<void> {
    try {
      const r = await fetch('/api/v1/live', { cache: 'no-store' });
      if (!r.ok) throw new Error(`HTTP ${r.status}`);
      this.applySnapshot((await r.json()) as Snapshot);
      if (this.state !== 'live') this.setState('polling');
    } catch {
      if (this.state !== 'live') this.setState('offline');
    }
    if (this.state !== 'live') this.schedulePoll();
  }

  private schedulePoll(): void {
    this.stopPolling();
    this.pollTimer = window.setTimeout(() => void this.pollOnce(), document.hidden ? POLL_HIDDEN_MS : POLL_VISIBLE_MS);
  }

  private stopPolling(): void {
    if (this.pollTimer !== undefined) window.clearTimeout(this.pollTimer);
    this.pollTimer = undefined;
  }
}
