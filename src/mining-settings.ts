// Where the mining settings live: what was saved on the Settings page is kept in history (the
// database every process shares) and copied into the state store, which the pages, the ocean job
// and the Electrum job read; each process lays the saved fields over its own environment. A save
// writes both (under a lock, so two saves never lose a field) and asks the ocean job to run, so it
// takes effect without a restart. The copy in the store is refreshed from history at start and on
// every ocean run, and only by a newer save, so a store that lost its data gets it back and an
// older copy never replaces a newer one.
import { randomUUID } from 'node:crypto';
import type { Config } from './config.ts';
import { effectiveSettings, mergeSaved, savedSettingsSchema, type EffectiveMiningSettings, type MiningSettings, type MiningSettingsInput, type SavedSettings } from './domain/mining-settings.ts';
import { SatscopeError, describeError } from './errors.ts';
import type { JobDefinition } from './jobs/types.ts';
import type { Logger } from './log.ts';
import { requestJobRun } from './job-status.ts';
import { keys } from './store/keys.ts';
import type { History } from './store/history/history.ts';
import type { Store } from './store/types.ts';

export const MINING_SETTINGS_KEY = 'mining.settings';

interface Deps {
  history: History;
  store: Store;
  config: Config;
}

export function envMiningSettings(config: Config): MiningSettings {
  const m = config.mining;
  return { address: config.oceanAddress ?? null, powerWatts: m.powerWatts, powerPriceKwh: m.powerPriceKwh, currency: m.currency, timezone: m.timezone, lowHashrateThs: m.lowHashrateThs };
}

/** The settings in effect before anything is read: the environment's. */
export const envEffective = (config: Config): EffectiveMiningSettings => effectiveSettings(envMiningSettings(config), undefined, config.fiatCurrencies);

/** The settings in effect in this process: the saved fields (as published in the store) over this process's environment. */
export function currentSettings(saved: SavedSettings | undefined, config: Config): EffectiveMiningSettings {
  return effectiveSettings(envMiningSettings(config), saved, config.fiatCurrencies);
}

export async function loadMiningSettings(history: History, config: Config): Promise<EffectiveMiningSettings> {
  return currentSettings(await history.getSetting(MINING_SETTINGS_KEY, savedSettingsSchema), config);
}

/**
 * The settings in effect, from history, published to the store when history's copy is newer than
 * the store's (or the store has none). When history cannot be read, the store's copy serves.
 */
export async function refreshMiningSettings(deps: Deps, log?: Logger): Promise<EffectiveMiningSettings> {
  const inStore = await deps.store.get(keys.miningSettings).catch(() => undefined);
  let saved: SavedSettings | undefined;
  try {
    saved = await deps.history.getSetting(MINING_SETTINGS_KEY, savedSettingsSchema);
  } catch (err) {
    log?.warn('mining settings not read from history; the last published ones are used', { err: describeError(err) });
    return currentSettings(inStore, deps.config);
  }
  if (saved && (!inStore || saved.updatedAtMs > inStore.updatedAtMs)) await deps.store.set(keys.miningSettings, saved).catch(() => undefined);
  const newest = inStore && (!saved || inStore.updatedAtMs > saved.updatedAtMs) ? inStore : saved;
  return currentSettings(newest, deps.config);
}

/** Runs `fn` holding a settings lock: saves from several processes never interleave their read and write. */
export async function withSettingsLock<T>(store: Store, name: string, fn: () => Promise<T>): Promise<T> {
  const token = randomUUID();
  const key = keys.jobLock(name);
  for (let i = 0; i < 50; i++) {
    if (await store.acquireLock(key, token, 10_000)) {
      try {
        return await fn();
      } finally {
        await store.releaseLock(key, token).catch(() => undefined);
      }
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new SatscopeError('STORE_UNAVAILABLE', `another save of the ${name.replace('-', ' ')} is still running; try again`);
}

const locked = <T>(store: Store, fn: () => Promise<T>) => withSettingsLock(store, 'mining-settings', fn);

/** Saves validated input over what was saved before (fields not sent keep their value), and publishes it. */
export function saveMiningSettings(deps: Deps, input: MiningSettingsInput, nowMs = Date.now()): Promise<EffectiveMiningSettings> {
  return locked(deps.store, async () => {
    const before = await deps.history.getSetting(MINING_SETTINGS_KEY, savedSettingsSchema);
    // A save is always newer than the one before it, whatever the clocks of the processes say.
    const saved = mergeSaved(before, input, Math.max(nowMs, (before?.updatedAtMs ?? 0) + 1));
    await deps.history.setSetting(MINING_SETTINGS_KEY, saved, Math.floor(nowMs / 1000));
    await deps.store.set(keys.miningSettings, saved);
    return currentSettings(saved, deps.config);
  });
}

/** Forgets what was saved: the environment's values apply again. */
export function resetMiningSettings(deps: Deps, nowMs = Date.now()): Promise<EffectiveMiningSettings> {
  return locked(deps.store, async () => {
    const before = await deps.history.getSetting(MINING_SETTINGS_KEY, savedSettingsSchema);
    const saved: SavedSettings = { values: {}, updatedAtMs: Math.max(nowMs, (before?.updatedAtMs ?? 0) + 1) };
    await deps.history.setSetting(MINING_SETTINGS_KEY, saved, Math.floor(nowMs / 1000));
    await deps.store.set(keys.miningSettings, saved);
    return currentSettings(saved, deps.config);
  });
}

/** Asks the jobs that read the settings to run now (those this process knows of), so a new address is read at once. */
export async function nudgeMiningJobs(deps: { store: Store; jobs: readonly JobDefinition[]; log: Logger }): Promise<void> {
  for (const name of ['ocean', 'electrum']) {
    if (!deps.jobs.some((j) => j.name === name)) continue;
    await requestJobRun(deps.store, deps.jobs, name).catch((err: unknown) => deps.log.warn('job run not requested', { job: name, err: describeError(err) }));
  }
}
