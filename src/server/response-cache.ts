// The response tier of the cache: JSON bodies serialized once and served from memory until their
// TTL passes. Concurrent misses share one build. Hits and misses are counted per tier.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { PreparedResponse } from './responses.ts';

interface Entry {
  response: PreparedResponse;
  expiresAtMs: number;
}

export interface TierStats {
  hits: number;
  misses: number;
  hitRate: number | null;
}

export class CacheStats {
  private readonly tiers = new Map<string, { hits: number; misses: number }>();

  count(tier: string, hit: boolean): void {
    let t = this.tiers.get(tier);
    if (!t) {
      t = { hits: 0, misses: 0 };
      this.tiers.set(tier, t);
    }
    if (hit) t.hits++;
    else t.misses++;
  }

  /** Prometheus text, rendered at scrape time (counting stays off prom-client's label hashing). */
  render(): string {
    const lines = ['# HELP satscope_cache_requests_total Cache lookups by tier and result', '# TYPE satscope_cache_requests_total counter'];
    for (const [tier, t] of this.tiers) {
      lines.push(`satscope_cache_requests_total{tier="${tier}",result="hit"} ${t.hits}`, `satscope_cache_requests_total{tier="${tier}",result="miss"} ${t.misses}`);
    }
    return `${lines.join('\n')}\n`;
  }

  snapshot(): Record<string, TierStats> {
    const out: Record<string, TierStats> = {};
    for (const [name, t] of this.tiers) {
      const total = t.hits + t.misses;
      out[name] = { hits: t.hits, misses: t.misses, hitRate: total === 0 ? null : Math.round((t.hits / total) * 10_000) / 10_000 };
    }
    return out;
  }
}

export class ResponseCache {
  private readonly entries = new Map<string, Entry>();
  private readonly building = new Map<string, Promise<PreparedResponse>>();

  constructor(
    private readonly stats: CacheStats,
    private readonly now: () => number = Date.now,
  ) {}

  /** The prepared response for name: from memory when fresh, else built (once, however many ask). */
  get(name: string, ttlMs: number, build: () => Promise<unknown>): PreparedResponse | Promise<PreparedResponse> {
    const e = this.entries.get(name);
    if (e && e.expiresAtMs > this.now()) {
      this.stats.count('response', true);
      return e.response;
    }
    this.stats.count('response', false);
    let pending = this.building.get(name);
    if (!pending) {
      pending = build()
        .then((value) => {
          const response = PreparedResponse.json(value);
          this.entries.set(name, { response, expiresAtMs: this.now() + ttlMs });
          return response;
        })
        .finally(() => this.building.delete(name));
      this.building.set(name, pending);
    }
    return pending;
  }

  /** Serves the named reply from the cache, synchronously when it is fresh. */
  send(name: string, ttlMs: number, build: () => Promise<unknown>, req: IncomingMessage, res: ServerResponse): number | Promise<number> {
    const prepared = this.get(name, ttlMs, build);
    return prepared instanceof PreparedResponse ? prepared.send(req, res) : prepared.then((p) => p.send(req, res));
  }

  invalidate(name?: string): void {
    if (name === undefined) this.entries.clear();
    else this.entries.delete(name);
  }
}
