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
  method: 'GET' | 'POST' | 'DELETE';
  /** `/api/v1/jobs` or with parameters: `/api/admin/jobs/:name/run`. */
  path: string;
  query?: z.ZodType<Q, z.ZodTypeDef, unknown>;
  body?: z.ZodType<B, z.ZodTypeDef, unknown>;
  /** How the body is sent: JSON (the default) or an HTML form (application/x-www-form-urlencoded). */
  bodyType?: 'json' | 'form';
  auth?: 'admin';
  /** Exempt from the per-IP rate limit (liveness checks). */
  unlimited?: boolean;
  /** One line for the API description (/api/openapi.json, /docs). */
  summary?: string;
  /** What else the API description needs to say of this route. */
  doc?: RouteDoc;
  /** Its section of the API description (routes/index.ts gives each route file's routes theirs). */
  tag?: string;
  /** Returns the status it sent, for metrics. */
  handle(ctx: RequestContext<Q, B>): Promise<number> | number;
}

/** For the API description: what the route's schemas and method do not say by themselves. */
export interface RouteDoc {
  /** What each path parameter names (`:id` → a block height or hash). */
  params?: Readonly<Record<string, string>>;
  /** The reply when all went well, where it is not a JSON 200: its media types, and each status with what it means. */
  reply?: { types?: readonly string[]; statuses?: Readonly<Record<number, string>> };
  /** Errors the handler itself answers, and when (the error envelope; a page's own error page); the app's own (400, 401, 429…) are added. */
  errors?: Readonly<Record<number, string>>;
  /** The body's shape when `body` only sorts it out and the handler parses it with this schema. */
  body?: z.ZodTypeAny;
}

/** For `doc.errors`: a route that reads history answers 503 while history is down (a first load). */
export const HISTORY_ERRORS = { 503: 'history is unavailable (HISTORY_UNAVAILABLE)' } as const;

export function defineRoute<Q, B>(r: RouteDefinition<Q, B>): RouteDefinition<Q, B> {
  return r;
}

export interface CompiledRoute {
  def: RouteDefinition;
  pattern: RegExp | undefined;
  paramNames: string[];
}

export type RouteMatch =
  | { kind: 'route'; def: RouteDefinition; params: Record<string, string> }
  /** The path exists for other methods; `allow` lists them for the 405's Allow header. */
  | { kind: 'method'; allow: string[] }
  /** A path parameter is not valid percent-encoded UTF-8 (e.g. `%E0`, `%ZZ`). */
  | { kind: 'bad-path'; message: string }
  | { kind: 'none' };

/** decodeURIComponent without the URIError: undefined for a malformed escape. */
export function safeDecode(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}

export class Router {
  private readonly exact = new Map<string, RouteDefinition>();
  private readonly patterns: CompiledRoute[] = [];
  /** Methods per exact path, for Allow. */
  private readonly methods = new Map<string, Set<string>>();

  add(def: RouteDefinition): void {
    if (!def.path.includes(':')) {
      // Two routes for one method and path: the later would silently replace the earlier.
      if (this.exact.has(`${def.method} ${def.path}`)) throw new Error(`two routes for ${def.method} ${def.path}`);
      this.exact.set(`${def.method} ${def.path}`, def);
      const set = this.methods.get(def.path) ?? new Set<string>();
      set.add(def.method);
      this.methods.set(def.path, set);
      return;
    }
    const paramNames: string[] = [];
    const source = def.path.replace(/:([a-zA-Z]+)/g, (_, name: string) => {
      paramNames.push(name);
      return '([^/]+)';
    });
    this.patterns.push({ def, pattern: new RegExp(`^${source}$`), paramNames });
  }

  /** Every route, for the fuzz test and the docs. */
  routes(): RouteDefinition[] {
    return [...this.exact.values(), ...this.patterns.map((p) => p.def)];
  }

  /** The methods a path answers to (GET implies HEAD; OPTIONS always), or [] when none. */
  allowed(path: string): string[] {
    const set = new Set<string>(this.methods.get(path) ?? []);
    for (const r of this.patterns) if (r.pattern?.test(path)) set.add(r.def.method);
    if (set.size === 0) return [];
    if (set.has('GET')) set.add('HEAD');
    set.add('OPTIONS');
    return [...set].sort();
  }

  match(method: string, path: string): RouteMatch {
    const m = method === 'HEAD' ? 'GET' : method;
    const hit = this.exact.get(`${m} ${path}`);
    if (hit) return { kind: 'route', def: hit, params: {} };
    let otherMethod = this.methods.has(path);
    for (const r of this.patterns) {
      const found = r.pattern?.exec(path);
      if (!found) continue;
      if (r.def.method !== m) {
        otherMethod = true;
        continue;
      }
      const params: Record<string, string> = {};
      for (const [i, n] of r.paramNames.entries()) {
        const decoded = safeDecode(found[i + 1] ?? '');
        if (decoded === undefined) return { kind: 'bad-path', message: `the path parameter ${n} is not valid percent-encoded UTF-8` };
        params[n] = decoded;
      }
      return { kind: 'route', def: r.def, params };
    }
    return otherMethod ? { kind: 'method', allow: this.allowed(path) } : { kind: 'none' };
  }
}
