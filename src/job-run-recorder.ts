// Finished job runs on their way to history: while history is down they are kept (the newest
// MAX_UNRECORDED) and written in order when it answers again, tried every few seconds and at stop.
import type { Logger } from './log.ts';
import type { History, JobRun } from './store/history/history.ts';

const MAX_UNRECORDED = 1000;
const RETRY_MS = 5_000;

export class RunRecorder {
  private readonly queue: JobRun[] = [];
  private writing: Promise<void> | undefined;
  private lastTryAtMs = 0;

  constructor(
    private readonly history: Pick<History, 'recordJobRun'>,
    private readonly log: Logger,
    private readonly now: () => number,
  ) {}

  get pending(): number {
    return this.queue.length;
  }

  record(run: JobRun): void {
    this.queue.push(run);
    if (this.queue.length > MAX_UNRECORDED) this.queue.splice(0, this.queue.length - MAX_UNRECORDED);
    void this.flush();
  }

  /** A retry when runs wait and the last try is RETRY_MS old (the scheduler calls it every tick). */
  retryDue(): void {
    if (this.queue.length > 0 && !this.writing && this.now() - this.lastTryAtMs >= RETRY_MS) void this.flush();
  }

  /** Writes the kept runs in order, one writer at a time. */
  flush(): Promise<void> {
    if (this.queue.length === 0) return this.writing ?? Promise.resolve();
    this.writing ??= (async () => {
      this.lastTryAtMs = this.now();
      let written = 0;
      try {
        while (this.queue.length > 0) {
          const next = this.queue[0]!;
          await this.history.recordJobRun(next);
          // Removed by identity: the cap may have trimmed the queue while this write was in flight.
          const at = this.queue.indexOf(next);
          if (at !== -1) this.queue.splice(at, 1);
          written++;
        }
        if (written > 1) this.log.info('job runs recorded after history came back', { runs: written });
      } catch (err) {
        this.log.warn('job runs not recorded yet; kept until history answers', { pending: this.queue.length, err });
      } finally {
        this.writing = undefined;
      }
    })();
    return this.writing;
  }

  /** At shutdown: what is in flight, then the rest, within ms; says what could not be written. */
  async drain(ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      (async () => {
        await this.writing;
        await this.flush();
      })(),
      new Promise((r) => (timer = setTimeout(r, ms))),
    ]);
    clearTimeout(timer);
    if (this.queue.length > 0) this.log.warn('job runs not recorded before shutdown', { runs: this.queue.length });
  }
}
