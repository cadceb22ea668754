// The floating system monitor: server uptime, connection state (live / polling / offline) and the
// age of the last update received.
import { formatDuration } from '../src/domain/format.ts';
import type { LiveState } from './live.ts';

export class Monitor {
  private lastUpdateMs = 0;
  private readonly el = document.querySelector<HTMLElement>('.monitor');
  private readonly startedMs = Number(this.el?.dataset.started ?? 0);

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
}
