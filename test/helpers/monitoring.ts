// Reading the monitoring examples in deploy/ for their tests: the PromQL of a Grafana dashboard
// and of a Prometheus rules file, the metric and label names an expression uses, and the
// families a /metrics page declares. Small readers for the shapes those files have, not general
// parsers: promtool is what decides whether an expression is valid.

export interface Query {
  /** Where the expression is, for messages: a panel's title and refId, a variable, a rule. */
  where: string;
  expr: string;
  /** A variable's label_values(metric, label): the label it lists. */
  listsLabel?: string;
}

interface Target {
  refId?: string;
  expr?: string;
}
interface Panel {
  title?: string;
  type?: string;
  targets?: Target[];
  panels?: Panel[];
}
interface Variable {
  name: string;
  type: string;
  query?: string | { query?: string };
}
export interface Dashboard {
  panels?: Panel[];
  templating?: { list?: Variable[] };
}

/** Every panel's expressions, rows' nested panels included. */
export function panelQueries(dashboard: Dashboard): Query[] {
  const out: Query[] = [];
  const walk = (panels: Panel[] | undefined, path: string) => {
    for (const p of panels ?? []) {
      const where = `${path}${p.title ?? `(${p.type})`}`;
      for (const t of p.targets ?? []) if (t.expr !== undefined) out.push({ where: `panel "${where}" ${t.refId ?? ''}`.trim(), expr: t.expr });
      walk(p.panels, `${where} / `);
    }
  };
  walk(dashboard.panels, '');
  return out;
}

/**
 * The query variables' PromQL: label_values(selector, label) gives its selector (and the label,
 * checked like any other); query_result(expr) gives expr. Other variable kinds have no PromQL.
 */
export function variableQueries(dashboard: Dashboard): Query[] {
  const out: Query[] = [];
  for (const v of dashboard.templating?.list ?? []) {
    if (v.type !== 'query') continue;
    const q = typeof v.query === 'string' ? v.query : (v.query?.query ?? '');
    const lv = /^\s*label_values\(\s*(.+)\s*,\s*([a-zA-Z_]\w*)\s*\)\s*$/s.exec(q);
    const qr = /^\s*query_result\(\s*(.+)\)\s*$/s.exec(q);
    if (lv) out.push({ where: `variable $${v.name}`, expr: lv[1] as string, listsLabel: lv[2] as string });
    else if (qr) out.push({ where: `variable $${v.name}`, expr: qr[1] as string });
    else throw new Error(`variable $${v.name}: a query this test cannot read: ${q}`);
  }
  return out;
}

/**
 * Grafana replaces its variables before Prometheus sees a query; promtool gets values of the same
 * kind: its interval and range variables become durations, the dashboard's own variables `.*`
 * (they stand inside `=~"..."` matchers, where `.*` is what "All" sends). An unknown variable is an error.
 */
export function substituteGrafanaVariables(expr: string, dashboardVariables: ReadonlySet<string>): string {
  const builtins: Record<string, string> = { __rate_interval: '1m', __interval: '1m', __range: '6h', __range_s: '21600', __range_ms: '21600000', __interval_ms: '60000' };
  return expr.replace(/\$\{(\w+)(?::[^}]*)?\}|\[\[(\w+)(?::[^\]]*)?\]\]|\$(\w+)/g, (m, a?: string, b?: string, c?: string) => {
    const name = (a ?? b ?? c) as string;
    if (name in builtins) return builtins[name] as string;
    if (dashboardVariables.has(name)) return '.*';
    throw new Error(`unknown Grafana variable ${m} in ${expr}`);
  });
}

/**
 * The rules of a Prometheus rules file as written in deploy/: `- record:` or `- alert:` entries
 * whose `expr:` is one line or a `|` block. Checked against promtool's rule count by the caller.
 */
export function readRules(text: string): { rules: Query[]; records: Map<string, string> } {
  const lines = text.split('\n');
  const rules: Query[] = [];
  const records = new Map<string, string>();
  let name = '';
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const head = /^\s*-\s+(record|alert):\s*(\S+)\s*$/.exec(line);
    if (head) name = `${head[1]} ${head[2]}`;
    const e = /^(\s*)expr:\s*(.*)$/.exec(line);
    if (!e) continue;
    let expr = (e[2] as string).trim();
    if (/^[|>][-+]?$/.test(expr)) {
      const indent = (e[1] as string).length;
      const body: string[] = [];
      while (i + 1 < lines.length && (/^\s*$/.test(lines[i + 1] as string) || /^\s*/.exec(lines[i + 1] as string)![0].length > indent)) body.push((lines[++i] as string).trim());
      expr = body.join('\n').trim();
    } else if (/^'.*'$|^".*"$/.test(expr)) {
      expr = expr.slice(1, -1);
    }
    rules.push({ where: name, expr });
    if (name.startsWith('record ')) records.set(name.slice('record '.length), expr);
  }
  return { rules, records };
}

const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan']);

/**
 * The series names an expression selects, the label names it matches or groups by, and the labels
 * it makes (label_replace and label_join destinations, whose first argument here has no string).
 */
export function promqlNames(expr: string): { metrics: string[]; labels: string[]; made: string[] } {
  const made = [...expr.matchAll(/label_(?:replace|join)\([^"]*"([a-zA-Z_]\w*)"/g)].map((m) => m[1] as string);
  let rest = expr.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""');
  const labels: string[] = [];
  rest = rest.replace(/\{([^}]*)\}/g, (_m, inner: string) => {
    for (const l of inner.matchAll(/([a-zA-Z_]\w*)\s*(?:=~|!~|!=|=)/g)) labels.push(l[1] as string);
    return ' ';
  });
  rest = rest.replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)/g, (_m, inner: string) => {
    labels.push(...inner.split(',').map((s) => s.trim()).filter(Boolean));
    return ' ';
  });
  rest = rest.replace(/\[[^\]]*\]/g, ' ');
  const metrics: string[] = [];
  for (const m of rest.matchAll(/(\d[\w.]*(?:[eE][+-]?\d+)?)|([a-zA-Z_:][\w:]*)(?=(\s*\()?)/g)) {
    const [, number, ident, call] = m;
    if (number || !ident || call || KEYWORDS.has(ident.toLowerCase())) continue;
    metrics.push(ident);
  }
  return { metrics: [...new Set(metrics)], labels: [...new Set(labels)], made };
}

export interface Family {
  type?: string;
  /** Label names seen on its samples; empty with no sample. */
  labels: Set<string>;
  sampled: boolean;
  /** The processes whose /metrics had it. */
  seenOn: Set<string>;
}

/**
 * Adds a Prometheus text page to `into`, by sample name (histogram samples under their `_bucket`,
 * `_sum`, `_count` names, declarations under the family's). `renameLabels` is the scrape's
 * metric relabeling, applied to label names.
 */
export function addExposition(into: Map<string, Family>, text: string, processName: string, renameLabels: Record<string, string> = {}): void {
  const entry = (name: string): Family => {
    let f = into.get(name);
    if (!f) into.set(name, (f = { labels: new Set(), sampled: false, seenOn: new Set() }));
    f.seenOn.add(processName);
    return f;
  };
  for (const line of text.split('\n')) {
    const type = /^# TYPE ([a-zA-Z_:][\w:]*) (\w+)$/.exec(line);
    if (type) entry(type[1] as string).type = type[2];
    if (line.startsWith('#') || line.trim() === '') continue;
    const sample = /^([a-zA-Z_:][\w:]*)(\{(?:[^"}]|"(?:[^"\\]|\\.)*")*\})?\s+\S+/.exec(line);
    if (!sample) throw new Error(`${processName}: not a sample line: ${line}`);
    const f = entry(sample[1] as string);
    f.sampled = true;
    for (const l of (sample[2] ?? '').matchAll(/([a-zA-Z_]\w*)="(?:[^"\\]|\\.)*"/g)) f.labels.add(renameLabels[l[1] as string] ?? (l[1] as string));
  }
}

/** The family a name belongs to: itself, or the histogram or summary whose sample it is. */
export function familyOf(families: Map<string, Family>, name: string): Family | undefined {
  const own = families.get(name);
  if (own?.sampled || own?.type) return own;
  const suffix = /^(.+)_(bucket|sum|count)$/.exec(name);
  const base = suffix && families.get(suffix[1] as string);
  if (base && (base.type === 'histogram' || (base.type === 'summary' && suffix[2] !== 'bucket'))) return base;
  return undefined;
}
