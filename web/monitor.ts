// The system monitor in the header: connection state (live / polling / offline), server uptime,
// the age of the last update received and the server's load (event-loop lag and memory, from
// /api/v1/status every 30 s). The toggle folds it to its state dot; the choice is remembered.
import { formatDuration, formatValue } from '../src/domain/format.ts';
import { formatOptions } from './bind.ts';
import type { LiveState } from './live.ts';

const LOAD_EVERY_MS = 30_000;

/** localStorage, which throws where the browser blocks storage: then nothing is remembered, and nothing breaks. */
export function stored(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

export function store(key: string, value: string): void {
  try {
    localStorage.setItem(key, value);
  } catch {
    // storage blocked: the choice lasts for this page only
  }
}
const FOLDED_KEY = 'satscope.monitor.folded';

export class Monitor {
  private lastUpdateMs = 0;
  private readonly el = document.querySelector<HTMLElement>('.monitor');
  private readonly startedMs = Number(this.el?.dataset.started ?? 0);

  constructor() {
    const toggle = this.el?.querySelector<HTMLButtonElement>('.mon-toggle');
    const fold = (folded: boolean) => {
      toggle?.setAttribute('aria-expanded', String(!folded));
      if (this.el) this.el.dataset.folded = folded ? '1' : '';
    };
    fold(stored(FOLDED_KEY) === '1');
    toggle?.addEventListener('click', () => {
      const folded = toggle.getAttribute('aria-expanded') === 'true';
      fold(folded);
      store(FOLDED_KEY, folded ? '1' : '0');
    });
    if (this.el) {
      this.load();
      window.setInterval(() => this.load(), LOAD_EVERY_MS);
    }
  }

  state(state: LiveState): void {
    const s = document.getElementById('mon-state');
    if (s) s.textContent = state;
    if (this.el) this.el.dataset.state = state;
  }

  updated(atMs = Date.now()): void {
    this.lastUpdateMs = atMs;
    this.tick();
  }

  tick(): void {
    const now = Date.now();
    const up = document.getElementById('mon-uptime');
    if (up && this.startedMs) up.textContent = formatDuration((now - this.startedMs) / 1000);
    const age = document.getElementById('mon-age');
    if (age) age.textContent = this.lastUpdateMs ? `${formatDuration((now - this.lastUpdateMs) / 1000)} ago` : 'none yet';
  }

  private load(): void {
    if (document.hidden) return;
    fetch('/api/v1/status', { cache: 'no-store' })
      .then((r) => (r.ok ? r.json() : Promise.reject(new Error(String(r.status)))))
      .then((s: { process?: { rssBytes?: number; eventLoopLagMs?: { p99?: number } } }) => {
        const el = document.getElementById('mon-load');
        const lag = s.process?.eventLoopLagMs?.p99;
        if (el) el.textContent = `${typeof lag === 'number' ? `${lag.toFixed(1)} ms` : '—'} · ${formatValue(s.process?.rssBytes ?? null, 'bytes', formatOptions())}`;
      })
      .catch(() => undefined);
  }
}
