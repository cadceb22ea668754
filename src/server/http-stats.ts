// Per-route request counts and latency histograms, kept in plain arrays on the request path and
// rendered as Prometheus text only when /metrics is scraped. (prom-client hashes the label set on
// every observation, which cost ~10% of the throughput of a cached endpoint.)

const BUCKETS_SEC = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5];

interface RouteStats {
  byStatus: Map<number, number>;
  buckets: number[]; // non-cumulative counts per bound; the last slot is +Inf
  sumSec: number;
  count: number;
}

const escapeLabel = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

export class HttpStats {
  private readonly routes = new Map<string, RouteStats>();

  record(route: string, status: number, seconds: number): void {
    let r = this.routes.get(route);
    if (!r) {
      r = { byStatus: new Map(), buckets: new Array<number>(BUCKETS_SEC.length + 1).fill(0), sumSec: 0, count: 0 };
      this.routes.set(route, r);
    }
    r.byStatus.set(status, (r.byStatus.get(status) ?? 0) + 1);
    let i = 0;
    while (i < BUCKETS_SEC.length && seconds > (BUCKETS_SEC[i] as number)) i++;
    r.buckets[i] = (r.buckets[i] as number) + 1;
    r.sumSec += seconds;
    r.count++;
  }

  render(): string {
    const lines = ['# HELP satscope_http_requests_total HTTP requests served', '# TYPE satscope_http_requests_total counter'];
    for (const [route, r] of this.routes) {
      for (const [status, n] of r.byStatus) lines.push(`satscope_http_requests_total{route="${escapeLabel(route)}",status="${status}"} ${n}`);
    }
    lines.push('# HELP satscope_http_request_duration_seconds HTTP request duration', '# TYPE satscope_http_request_duration_seconds histogram');
    for (const [route, r] of this.routes) {
      const label = `route="${escapeLabel(route)}"`;
      let cumulative = 0;
      BUCKETS_SEC.forEach((le, i) => {
        cumulative += r.buckets[i] as number;
        lines.push(`satscope_http_request_duration_seconds_bucket{${label},le="${le}"} ${cumulative}`);
      });
      lines.push(`satscope_http_request_duration_seconds_bucket{${label},le="+Inf"} ${r.count}`);
      lines.push(`satscope_http_request_duration_seconds_sum{${label}} ${r.sumSec}`);
      lines.push(`satscope_http_request_duration_seconds_count{${label}} ${r.count}`);
    }
    return `${lines.join('\n')}\n`;
  }
}
