// Closed: calls pass; `failureThreshold` failures in a row open it. Open: calls fail at once until
// `openMs` has passed; then half-open lets one trial call through, whose outcome closes or reopens it.
export type BreakerState = 'closed' | 'open' | 'half-open';

export interface BreakerOptions {
  failureThreshold: number;
  openMs: number;
}

export class CircuitBreaker {
  private failures = 0;
  private openedAtMs = 0;
  private mode: 'closed' | 'open' = 'closed';
  private trialInFlight = false;

  constructor(
    readonly opts: BreakerOptions = { failureThreshold: 5, openMs: 30_000 },
    private readonly now: () => number = Date.now,
  ) {}

  get state(): BreakerState {
    if (this.mode === 'closed') return 'closed';
    return this.now() - this.openedAtMs >= this.opts.openMs ? 'half-open' : 'open';
  }

  /** True when a call may go out now; in half-open, only one trial at a time. */
  tryAcquire(): boolean {
    const s = this.state;
    if (s === 'closed') return true;
    if (s === 'open' || this.trialInFlight) return false;
    this.trialInFlight = true;
    return true;
  }

  /** Milliseconds until the breaker half-opens (0 when it is not open). */
  retryInMs(): number {
    return this.state === 'open' ? this.openedAtMs + this.opts.openMs - this.now() : 0;
  }

  onSuccess(): void {
    this.failures = 0;
    this.mode = 'closed';
    this.trialInFlight = false;
  }

  onFailure(): void {
    this.trialInFlight = false;
    if (this.mode === 'open') {
      this.openedAtMs = this.now(); // the half-open trial failed: wait another full period
      return;
    }
    this.failures += 1;
    if (this.failures >= this.opts.failureThreshold) {
      this.mode = 'open';
      this.openedAtMs = this.now();
    }
  }

  /** A call that ended without telling anything about the upstream's health (e.g. cancelled). */
  onNeutral(): void {
    this.trialInFlight = false;
  }
}
