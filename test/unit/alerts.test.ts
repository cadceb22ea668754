// Alert rules: the built-ins from the environment and the Settings overrides, each custom kind's
// evaluation (active, clear, or unknown without fresh data), and cooldowns, against hand-worked cases.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { builtinRules, coolingDown, customRuleSchema, evaluateCustom, levelCheck, ruleTitle } from '../../src/domain/alerts.ts';

const NOW = 1_780_000_000_000;
const at = (minAgo: number, value: number) => ({ tsSec: NOW / 1000 - minAgo * 60, value });
const rule = (r: unknown) => customRuleSchema.parse(r);

test('builtinRules() turns a rule on only when its level is set, and the Settings overrides win', () => {
  const d = { cooldownMin: 30, nodes: false, mining: false };
  const off = builtinRules(d);
  assert.equal(off.find((r) => r.id === 'fee-above')?.enabled, false, 'no ALERT_FEE_ABOVE_SATVB: off');
  assert.equal(off.find((r) => r.id === 'source-stale')?.enabled, true, 'source checks are on by default');
  assert.equal(off.find((r) => r.id === 'node-down')?.enabled, false, 'no node configured');
  const on = builtinRules({ ...d, feeAboveSatVb: 100, nodes: true }, [{ id: 'source-stale', enabled: false }, { id: 'fee-above', level: 250, cooldownMin: 5 }]);
  const fee = on.find((r) => r.id === 'fee-above');
  assert.deepEqual([fee?.enabled, fee?.level, fee?.cooldownMin, fee?.origin], [true, 250, 5, 'Settings']);
  assert.equal(on.find((r) => r.id === 'source-stale')?.enabled, false);
  assert.equal(on.find((r) => r.id === 'node-down')?.enabled, true);
  // Switched on without a level, a level rule still cannot run.
  assert.equal(builtinRules(d, [{ id: 'pillar-below', enabled: true }]).find((r) => r.id === 'pillar-below')?.enabled, false);
  assert.equal(builtinRules(d, [{ id: 'pillar-below', enabled: true, level: 40 }]).find((r) => r.id === 'pillar-below')?.enabled, true);
});

test('evaluateCustom() threshold: above and below, and unknown when the latest point is too old', () => {
  const above = rule({ id: 'a', kind: 'threshold', series: 's', op: 'above', level: 100 });
  assert.equal(evaluateCustom(above, at(1, 412), undefined, NOW).active, true);
  assert.equal(evaluateCustom(above, at(1, 100), undefined, NOW).active, false, 'at the level is not above it');
  assert.equal(evaluateCustom(above, at(31, 412), undefined, NOW).active, null, 'older than maxAgeMin (30): no verdict');
  assert.equal(evaluateCustom(above, undefined, undefined, NOW).active, null);
  const below = rule({ id: 'b', kind: 'threshold', series: 's', op: 'below', level: 50, maxAgeMin: 5 });
  assert.equal(evaluateCustom(below, at(2, 49.9), undefined, NOW).active, true);
});

test('evaluateCustom() change: a rise or a fall of at least pct over the window', () => {
  const rise = rule({ id: 'r', kind: 'change', series: 's', op: 'rise', pct: 50, windowMin: 60 });
  // 100 → 150 is +50 %: at the level, so it alerts; 100 → 149 does not.
  assert.equal(evaluateCustom(rise, at(0, 150), at(60, 100), NOW).active, true);
  assert.equal(evaluateCustom(rise, at(0, 149), at(60, 100), NOW).active, false);
  assert.equal(evaluateCustom(rise, at(0, 150), undefined, NOW).active, null, 'nothing a window ago');
  const fall = rule({ id: 'f', kind: 'change', series: 's', op: 'fall', pct: 25, windowMin: 60 });
  const e = evaluateCustom(fall, at(0, 75), at(60, 100), NOW);
  assert.equal(e.active, true);
  assert.equal(e.value, -25);
});

test('evaluateCustom() stale: active once the series has not moved for afterMin, and when it has no data at all', () => {
  const stale = rule({ id: 's', kind: 'stale', series: 's', afterMin: 10 });
  assert.equal(evaluateCustom(stale, at(11, 1), undefined, NOW).active, true);
  assert.equal(evaluateCustom(stale, at(9, 1), undefined, NOW).active, false);
  assert.equal(evaluateCustom(stale, undefined, undefined, NOW).active, true);
});

test('rules refuse what they cannot run, and a title is made when none is given', () => {
  for (const bad of [{ id: 'UP', kind: 'stale', series: 's', afterMin: 1 }, { id: 'a', kind: 'stale', series: 's s', afterMin: 1 }, { id: 'a', kind: 'change', series: 's', op: 'rise', pct: 0, windowMin: 5 }, { id: 'a', kind: 'threshold', series: 's', op: 'above', level: Number.NaN }]) {
    assert.equal(customRuleSchema.safeParse(bad).success, false, JSON.stringify(bad));
  }
  assert.equal(ruleTitle(rule({ id: 'a', kind: 'change', series: 'x.y', op: 'fall', pct: 10, windowMin: 30 })), 'x.y falls 10% in 30 min');
});

test('levelCheck() and coolingDown()', () => {
  assert.equal(levelCheck(null, 10, 'above', String).active, null);
  assert.equal(levelCheck(11, 10, 'above', String).active, true);
  assert.equal(levelCheck(9, 10, 'below', String).active, true);
  assert.equal(coolingDown(undefined, 30, NOW), false);
  assert.equal(coolingDown(NOW - 29 * 60_000, 30, NOW), true);
  assert.equal(coolingDown(NOW - 30 * 60_000, 30, NOW), false);
});
