import type { IncomingMessage, ServerResponse } from 'node:http';
import type { z } from 'zod';

export interface RequestContext<Q = unknown, B = unknown> {
  req: IncomingMessage;
  res: ServerResponse;
  params: Record<string, string>;
  query: Q;
  body: B;
  clientIp: string;
}

/** Every route the same steps: the app parses query and body with the schemas, authorizes, then calls handle. */
export interface RouteDefinition<Q = unknown, B = unknown> {
  method: 'GET' | 'POST';
  /** `/api/v1/jobs` or with parameters: `/api/admin/jobs/:name/run`. */
  path: string;
  query?: z.ZodType<Q, z.ZodTypeDef, unknown>;
  body?: z.ZodType<B, z.ZodTypeDef, unknown>;
  auth?: 'admin';
  /** Exempt from the per-IP rate limit (liveness checks). */
  unlimited?: boolean;
  /** Returns the status it sent, for metrics. */
  handle(ctx: RequestContext<Q, B>): Promise<number> | number;
}

export function defineRoute<Q, B>(r: RouteDefinition<Q, B>): RouteDefinition<Q, B> {
  return r;
}

export interface CompiledRoute {
  def: RouteDefinition;
  pattern: RegExp | undefined;
  paramNames: string[];
}

export class Router {
  private readonly exact = new Map<string, RouteDefinition>();
  private readonly patterns: CompiledRoute[] = [];
  private readonly paths = new Set<string>();

  add(def: RouteDefinition): void {
    this.paths.add(def.path);
    if (!def.path.includes(':')) {
      this.exact.set(`${def.method} ${def.path}`, def);
      return;
    }
    const paramNames: string[] = [];
    const source = def.path.replace(/:([a-zA-Z]+)/g, (_, name: string) => {
      paramNames.push(name);
      return '([^/]+)';
    });
    this.patterns.push({ def, pattern: new RegExp(`^${source}$`), paramNames });
  }

  /** The route, 'method' when the path exists for another method, or undefined. */
  match(method: string, path: string): { def: RouteDefinition; params: Record<string, string> } | 'method' | undefined {
    const m = method === 'HEAD' ? 'GET' : method;
    const hit = this.exact.get(`${m} ${path}`);
    if (hit) return { def: hit, params: {} };
    let otherMethod = this.paths.has(path);
    for (const r of this.patterns) {
      const found = r.pattern?.exec(path);
      if (!found) continue;
      if (r.def.method !== m) {
        otherMethod = true;
        continue;
      }
      const params: Record<string, string> = {};
      r.paramNames.forEach((n, i) => (params[n] = decodeURIComponent(found[i + 1] ?? '')));
      return { def: r.def, params };
    }
    return otherMethod ? 'method' : undefined;
  }
}
