// Alert rules and their evaluation. Pure: the alerts job gathers the inputs and keeps the firings.
// A rule is either built in (fed by what Satscope already tracks, switched on by its variable or
// on the Settings page) or the user's own on any history series: a threshold, a change over a
// window, or staleness. Evaluation says active, clear, or unknown (no fresh data: neither fire
// nor resolve on a guess).
import { z } from 'zod';

export const SEVERITIES = ['info', 'warning', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

const ruleId = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,47}$/, 'lowercase letters, digits, - and _, up to 48');
const seriesName = z.string().regex(/^[A-Za-z0-9_.~-]{1,100}$/, 'a history series name, e.g. network.fees.fastest');
const common = {
  id: ruleId,
  title: z.string().trim().min(1).max(120).optional(),
  severity: z.enum(SEVERITIES).default('warning'),
  cooldownMin: z.number().int().min(0).max(10_080).default(30),
  enabled: z.boolean().default(true),
};

/** The user's own rules. */
export const customRuleSchema = z.discriminatedUnion('kind', [
  z.object({ ...common, kind: z.literal('threshold'), series: seriesName, op: z.enum(['above', 'below']), level: z.number().finite(), maxAgeMin: z.number().int().min(1).max(10_080).default(30) }).strict(),
  z.object({ ...common, kind: z.literal('change'), series: seriesName, op: z.enum(['rise', 'fall']), pct: z.number().positive().max(100_000), windowMin: z.number().int().min(1).max(10_080, 'at most 7 days (10,080 min): minute points are kept a week') }).strict(),
  z.object({ ...common, kind: z.literal('stale'), series: seriesName, afterMin: z.number().int().min(1).max(43_200) }).strict(),
]);
export type CustomRule = z.output<typeof customRuleSchema>;

export const BUILTIN_IDS = ['fee-above', 'score-below', 'pillar-below', 'mempool-above', 'source-stale', 'node-down', 'hashrate-drop', 'worker-offline', 'pool-block'] as const;
export type BuiltinId = (typeof BUILTIN_IDS)[number];

/** What may be changed of a built-in rule. */
export const builtinOverrideSchema = z
  .object({ id: z.enum(BUILTIN_IDS), enabled: z.boolean().optional(), level: z.number().finite().nullable().optional(), cooldownMin: z.number().int().min(0).max(10_080).optional(), severity: z.enum(SEVERITIES).optional() })
  .strict();
export type BuiltinOverride = z.infer<typeof builtinOverrideSchema>;

export const savedRulesSchema = z.object({ custom: z.array(customRuleSchema).max(100), overrides: z.array(builtinOverrideSchema), updatedAtMs: z.number() });
export type SavedRules = z.output<typeof savedRulesSchema>;

export interface BuiltinRule {
  id: BuiltinId;
  kind: 'builtin';
  title: string;
  severity: Severity;
  cooldownMin: number;
  enabled: boolean;
  /** The rule's level in `unit`, or null for rules without one. */
  level: number | null;
  unit: string | null;
  /** Where its default comes from, for the Settings page. */
  origin: string;
  describe: string;
}
export type Rule = BuiltinRule | CustomRule;

export interface BuiltinDefaults {
  feeAboveSatVb?: number | undefined;
  scoreBelow?: number | undefined;
  mempoolAboveVb?: number | undefined;
  cooldownMin: number;
  nodes: boolean;
  mining: boolean;
}

/** The built-in rules: on when their variable is set (or, for checks with no level, when their data exists), then the saved overrides. */
export function builtinRules(d: BuiltinDefaults, overrides: readonly BuiltinOverride[] = []): BuiltinRule[] {
  const mk = (id: BuiltinId, title: string, level: number | null, unit: string | null, enabled: boolean, origin: string, describe: string, severity: Severity = 'warning'): BuiltinRule => ({
    id, kind: 'builtin', title, severity, cooldownMin: d.cooldownMin, enabled, level, unit, origin, describe,
  });
  const rules = [
    mk('fee-above', 'Next-block fee high', d.feeAboveSatVb ?? null, 'sat/vB', d.feeAboveSatVb !== undefined, 'ALERT_FEE_ABOVE_SATVB', 'the next-block fee (your node, else mempool.space) is above the level'),
    mk('score-below', 'Health score low', d.scoreBelow ?? null, 'points', d.scoreBelow !== undefined, 'ALERT_SCORE_BELOW', 'the overall health score is below the level', 'critical'),
    mk('pillar-below', 'A health pillar low', null, 'points', false, 'Settings', 'any pillar of the health score is below the level'),
    mk('mempool-above', 'Mempool large', d.mempoolAboveVb ?? null, 'vB', d.mempoolAboveVb !== undefined, 'ALERT_MEMPOOL_ABOVE_VB', 'the mempool (your node, else mempool.space) holds more than the level'),
    mk('source-stale', 'A source is down', 30, 'min', true, 'default', 'a data source has been down or degraded for longer than the level'),
    mk('node-down', 'A node is down or behind', 3, 'blocks', d.nodes, d.nodes ? 'default (nodes configured)' : 'no node configured', 'a configured node does not answer, or is more than the level of blocks behind the best tip', 'critical'),
    mk('hashrate-drop', 'Your hashrate dropped', 50, '%', d.mining, d.mining ? 'default (OCEAN address set)' : 'no OCEAN address', 'your 10-minute hashrate is more than the level below your 3-hour average'),
    mk('worker-offline', 'A worker is offline', null, null, d.mining, d.mining ? 'default (OCEAN address set)' : 'no OCEAN address', 'a worker that was hashing went offline'),
    mk('pool-block', 'OCEAN found a block', null, null, d.mining, d.mining ? 'default (OCEAN address set)' : 'no OCEAN address', 'the pool found a new block', 'info'),
  ];
  // Every found block is news: no cooldown unless one is set.
  for (const r of rules) if (r.id === 'pool-block') r.cooldownMin = 0;
  for (const o of overrides) {
    const r = rules.find((x) => x.id === o.id);
    if (!r) continue;
    if (o.enabled !== undefined) r.enabled = o.enabled;
    if (o.level !== undefined && o.level !== null) r.level = o.level;
    if (o.cooldownMin !== undefined) r.cooldownMin = o.cooldownMin;
    if (o.severity !== undefined) r.severity = o.severity;
    r.origin = 'Settings';
  }
  // A rule with a level cannot run without one.
  for (const r of rules) if (r.unit !== null && r.level === null) r.enabled = false;
  return rules;
}

export const ruleTitle = (r: CustomRule) => r.title ?? (r.kind === 'threshold' ? `${r.series} ${r.op} ${r.level}` : r.kind === 'change' ? `${r.series} ${r.op}s ${r.pct}% in ${r.windowMin} min` : `${r.series} not updated for ${r.afterMin} min`);

export interface Evaluation {
  /** true: firing; false: clear; null: unknown (no fresh data), the state is kept. */
  active: boolean | null;
  value: number | null;
  threshold: number | null;
  message: string;
}

const fmt = (v: number) => (Math.abs(v) >= 1000 ? Math.round(v).toLocaleString('en-US') : String(Math.round(v * 100) / 100));

/** A custom rule over a series: its latest point and (for change) the point a window earlier. */
export function evaluateCustom(rule: CustomRule, latest: { tsSec: number; value: number } | undefined, earlier: { tsSec: number; value: number } | undefined, nowMs: number): Evaluation {
  const ageMin = latest ? (nowMs / 1000 - latest.tsSec) / 60 : Infinity;
  if (rule.kind === 'stale') {
    return { active: ageMin > rule.afterMin, value: Number.isFinite(ageMin) ? Math.round(ageMin) : null, threshold: rule.afterMin, message: latest ? `${rule.series} last updated ${fmt(ageMin)} min ago (limit ${rule.afterMin} min)` : `${rule.series} has no data` };
  }
  if (!latest) return { active: null, value: null, threshold: null, message: `${rule.series} has no data` };
  if (rule.kind === 'threshold') {
    if (ageMin > rule.maxAgeMin) return { active: null, value: latest.value, threshold: rule.level, message: `${rule.series} has no value in the last ${rule.maxAgeMin} min` };
    const active = rule.op === 'above' ? latest.value > rule.level : latest.value < rule.level;
    return { active, value: latest.value, threshold: rule.level, message: `${rule.series} is ${fmt(latest.value)} (${rule.op} ${fmt(rule.level)} alerts)` };
  }
  if (!earlier || !(earlier.value !== 0)) return { active: null, value: latest.value, threshold: rule.pct, message: `${rule.series} has no value ${rule.windowMin} min ago to compare with` };
  const changePct = (latest.value / earlier.value - 1) * 100;
  const active = rule.op === 'rise' ? changePct >= rule.pct : -changePct >= rule.pct;
  return { active, value: changePct, threshold: rule.pct, message: `${rule.series} changed ${changePct >= 0 ? '+' : ''}${fmt(changePct)}% in ${rule.windowMin} min (${rule.op} of ${rule.pct}% alerts)` };
}

/** A level rule: `value` against `level`, or unknown without a value. */
export function levelCheck(value: number | null, level: number, op: 'above' | 'below', describe: (v: number) => string): Evaluation {
  if (value === null || !Number.isFinite(value)) return { active: null, value: null, threshold: level, message: 'no current value' };
  return { active: op === 'above' ? value > level : value < level, value, threshold: level, message: describe(value) };
}

/** Whether a rule may notify again: not within its cooldown after its last firing. */
export const coolingDown = (lastFiredAtMs: number | undefined, cooldownMin: number, nowMs: number) => lastFiredAtMs !== undefined && nowMs - lastFiredAtMs < cooldownMin * 60_000;
