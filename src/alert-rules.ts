// The alert rules in force: the built-ins (from the environment, then what was changed on the
// Settings page) and the user's own rules, saved in history so every process sees the same.
import type { Config } from './config.ts';
import { builtinRules, BUILTIN_IDS, savedRulesSchema, type BuiltinOverride, type CustomRule, type Rule, type SavedRules } from './domain/alerts.ts';
import { SatscopeError } from './errors.ts';
import { withSettingsLock } from './mining-settings.ts';
import type { History } from './store/history/history.ts';
import { keys } from './store/keys.ts';
import type { Store } from './store/types.ts';

export const ALERT_RULES_SETTING = 'alerts.rules';
const EMPTY: SavedRules = { custom: [], overrides: [], updatedAtMs: 0 };

export async function savedRules(history: History): Promise<SavedRules> {
  return ((await history.getSetting(ALERT_RULES_SETTING, savedRulesSchema)) as SavedRules | undefined) ?? EMPTY;
}

export function rulesFrom(saved: SavedRules, config: Config, mining: boolean): Rule[] {
  const a = config.alerts;
  return [
    ...builtinRules({ feeAboveSatVb: a.feeAboveSatVb, scoreBelow: a.scoreBelow, mempoolAboveVb: a.mempoolAboveVb, cooldownMin: a.cooldownMin, nodes: config.nodes.some((n) => n.rpcUrl), mining }, saved.overrides),
    ...saved.custom,
  ];
}

/** The rules in force now. */
export async function loadRules(history: History, config: Config, store: Store): Promise<Rule[]> {
  const mining = Boolean(config.oceanAddress) || Boolean((await store.get(keys.miningSettings).catch(() => undefined))?.values.address);
  return rulesFrom(await savedRules(history), config, mining);
}

/** Adds or replaces one rule: a custom rule by its id, or the override of a built-in. */
export function saveRule(deps: { history: History; store: Store }, rule: CustomRule | BuiltinOverride, nowMs = Date.now()): Promise<SavedRules> {
  return withSettingsLock(deps.store, 'alert-rules', async () => {
    const before = await savedRules(deps.history);
    const isBuiltin = (BUILTIN_IDS as readonly string[]).includes(rule.id);
    if (!isBuiltin && before.custom.length >= 100 && !before.custom.some((r) => r.id === rule.id)) throw new SatscopeError('BAD_REQUEST', 'at most 100 rules of your own');
    const next: SavedRules = {
      custom: isBuiltin ? before.custom : [...before.custom.filter((r) => r.id !== rule.id), rule as CustomRule],
      overrides: isBuiltin ? [...before.overrides.filter((o) => o.id !== rule.id), { ...(before.overrides.find((o) => o.id === rule.id) ?? {}), ...(rule as BuiltinOverride) }] : before.overrides,
      updatedAtMs: Math.max(nowMs, before.updatedAtMs + 1),
    };
    await deps.history.setSetting(ALERT_RULES_SETTING, next, Math.floor(nowMs / 1000));
    return next;
  });
}

/** Deletes a custom rule, or puts a built-in back to its environment default; false when there was nothing to delete. */
export function deleteRule(deps: { history: History; store: Store }, id: string, nowMs = Date.now()): Promise<boolean> {
  return withSettingsLock(deps.store, 'alert-rules', async () => {
    const before = await savedRules(deps.history);
    const next: SavedRules = { custom: before.custom.filter((r) => r.id !== id), overrides: before.overrides.filter((o) => o.id !== id), updatedAtMs: Math.max(nowMs, before.updatedAtMs + 1) };
    if (next.custom.length === before.custom.length && next.overrides.length === before.overrides.length) return false;
    await deps.history.setSetting(ALERT_RULES_SETTING, next, Math.floor(nowMs / 1000));
    return true;
  });
}
