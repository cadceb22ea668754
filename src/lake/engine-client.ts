// The parent side of the lake engine (engine.ts): starts the child process when a request comes,
// keeps it while requests keep coming, and stops it once it has been idle for a while, so DuckDB's
// memory is held only while the lake is in use (a flush takes it for about a second; a page that
// reads the lake keeps it a minute). A child that dies fails the requests it had and the next
// request starts a new one.
import { fork, type ChildProcess } from 'node:child_process';
import { helperProcessEnv } from '../config.ts';
import { SatscopeError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { packagePath } from '../paths.ts';
import type { EngineCall, EngineReply, EngineRequest } from './engine-protocol.ts';

declare const SATSCOPE_PREBUILT_WEB: boolean | undefined;
const BUNDLED = typeof SATSCOPE_PREBUILT_WEB !== 'undefined' && SATSCOPE_PREBUILT_WEB;

/** How long a new child may take to load DuckDB and say it is ready. */
const READY_MS = 20_000;

export interface EngineOptions {
  log: Logger;
  /** A request that takes longer fails (and the child is replaced). */
  timeoutMs?: number;
}

interface Pending {
  child: ChildProcess;
  resolve(v: unknown): void;
  reject(e: Error): void;
  timer: NodeJS.Timeout;
}

export class LakeEngine {
  private child: ChildProcess | undefined;
  private ready: Promise<ChildProcess> | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private idleTimer: NodeJS.Timeout | undefined;
  private keepUntilMs = 0;
  private closed = false;
  /** Children started, for /api/v1/lake and the tests. */
  starts = 0;
  lastError: string | undefined;

  constructor(private readonly o: EngineOptions) {}

  get running(): boolean {
    return this.child !== undefined;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /**
   * Sends one request. `keepAliveMs`: how long the child stays after this request when nothing else
   * comes (queries keep it longer than a flush, as pages are read again).
   */
  async call<T>(req: EngineCall, keepAliveMs = 1_000, deadlineMs?: number): Promise<T> {
    if (this.closed) throw new SatscopeError('LAKE_UNAVAILABLE', 'the lake engine is closed');
    const child = await this.start();
    if (!child.connected) throw new SatscopeError('LAKE_UNAVAILABLE', 'the lake engine is stopping');
    const id = this.nextId++;
    this.keepUntilMs = Math.max(this.keepUntilMs, Date.now() + keepAliveMs);
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    return new Promise<T>((resolve, reject) => {
      // A caller's deadline (a page that falls back to history) only gives up waiting; the engine's
      // own timeout means it is stuck, and it is replaced.
      const waitMs = deadlineMs ?? this.o.timeoutMs ?? 60_000;
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new SatscopeError('LAKE_UNAVAILABLE', `the lake engine did not answer ${req.op} within ${waitMs} ms`));
        if (deadlineMs === undefined) this.kill('timeout');
        else if (this.pending.size === 0) this.armIdle();
      }, waitMs);
      this.pending.set(id, { child, resolve: resolve as (v: unknown) => void, reject, timer });
      child.send({ ...req, id } as EngineRequest, (err) => {
        if (!err) return;
        const p = this.pending.get(id);
        if (!p) return;
        this.pending.delete(id);
        clearTimeout(p.timer);
        reject(new SatscopeError('LAKE_UNAVAILABLE', `the lake engine could not be asked: ${err.message}`));
      });
    });
  }

  private start(): Promise<ChildProcess> {
    if (this.ready) return this.ready;
    const file = BUNDLED ? packagePath('dist', 'lake-engine.mjs') : packagePath('src', 'lake', 'engine-boot.mjs');
    // Only what Node needs: the engine never sees the dashboard's secrets (AWS keys, tokens).
    const child = fork(file, [], { serialization: 'advanced', stdio: ['ignore', 'ignore', 'pipe', 'ipc'], execArgv: [], env: helperProcessEnv() });
    this.child = child;
    this.starts++;
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-2000);
    });
    this.ready = new Promise<ChildProcess>((resolve, reject) => {
      // A child that never says it is ready (a broken install) is replaced, not waited on forever.
      const readyTimer = setTimeout(() => {
        reject(new SatscopeError('LAKE_UNAVAILABLE', `the lake engine did not start within ${READY_MS} ms`));
        child.kill('SIGKILL');
      }, READY_MS);
      const onFirst = (m: EngineReply) => {
        if (m.id === 0) {
          clearTimeout(readyTimer);
          child.off('message', onFirst);
          resolve(child);
        }
      };
      child.on('message', onFirst);
      // Spawning can fail (EAGAIN, EMFILE): an 'error' event, which must not become an uncaught exception.
      child.on('error', (err) => {
        clearTimeout(readyTimer);
        this.lastError = `the lake engine could not be started: ${err.message}`;
        reject(new SatscopeError('LAKE_UNAVAILABLE', this.lastError));
      });
      child.once('exit', (code, signal) => {
        clearTimeout(readyTimer);
        const reason = `the lake engine exited (${signal ?? `code ${code}`})${stderr.trim() ? `: ${stderr.trim().split('\n').slice(-3).join(' | ')}` : ''}`;
        if (this.child === child) {
          this.child = undefined;
          this.ready = undefined;
        }
        if (this.child === undefined && this.idleTimer) {
          clearTimeout(this.idleTimer);
          this.idleTimer = undefined;
        }
        for (const [id, p] of this.pending) {
          if (p.child !== child) continue;
          clearTimeout(p.timer);
          p.reject(new SatscopeError('LAKE_UNAVAILABLE', reason));
          this.pending.delete(id);
        }
        if (code !== 0 && signal !== 'SIGTERM') {
          this.lastError = reason;
          this.o.log.warn('lake engine exited', { code, signal });
        }
        reject(new SatscopeError('LAKE_UNAVAILABLE', reason));
      });
    });
    child.on('message', (m: EngineReply) => {
      if (m.id === 0) return;
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      clearTimeout(p.timer);
      if (m.ok) p.resolve(m.result);
      else p.reject(new SatscopeError('LAKE_QUERY_FAILED', m.error));
      if (this.pending.size === 0) this.armIdle();
    });
    // An unhandled rejection is not wanted when nobody awaits this start any more.
    this.ready.catch(() => undefined);
    return this.ready;
  }

  private armIdle(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    const wait = Math.max(0, this.keepUntilMs - Date.now());
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined;
      if (this.pending.size === 0 && Date.now() >= this.keepUntilMs) this.stopChild();
      else if (this.pending.size === 0) this.armIdle();
    }, wait);
    this.idleTimer.unref();
  }

  private stopChild(): void {
    const child = this.child;
    if (!child) return;
    // The next request starts a new child instead of asking this one, which is on its way out.
    this.child = undefined;
    this.ready = undefined;
    // Closing the channel makes the child exit by itself (process.on('disconnect')).
    if (child.connected) child.disconnect();
    const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    killer.unref();
    child.once('exit', () => clearTimeout(killer));
  }

  private kill(why: string): void {
    this.o.log.warn('lake engine replaced', { why });
    const child = this.child;
    this.child = undefined;
    this.ready = undefined;
    child?.kill('SIGKILL');
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    const child = this.child;
    if (!child) return;
    const exited = new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));
    this.stopChild();
    await exited;
  }
}
