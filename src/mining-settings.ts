// Where the mining settings live: the saved ones in history (the database every process shares),
// the ones in effect in the state store (what the pages, the ocean job and the Electrum job read).
// A save writes both and asks the ocean job to run, so it takes effect without a restart; the
// ocean job publishes them again on every run, so a process that starts later, or a store that
// lost its data, gets them back from history within a minute.
import type { Config } from './config.ts';
import { effectiveSettings, mergeSaved, savedSettingsSchema, type EffectiveMiningSettings, type MiningSettings, type MiningSettingsInput, type SavedSettings } from './domain/mining-settings.ts';
import { describeError } from './errors.ts';
import type { JobDefinition } from './jobs/types.ts';
import type { Logger } from './log.ts';
import { requestJobRun } from './scheduler.ts';
import { keys } from './store/keys.ts';
import type { History } from './store/history/history.ts';
import type { Store } from './store/types.ts';

export const MINING_SETTINGS_KEY = 'mining.settings';

export function envMiningSettings(config: Config): MiningSettings {
  const m = config.mining;
  return { address: config.oceanAddress ?? null, powerWatts: m.powerWatts, powerPriceKwh: m.powerPriceKwh, currency: m.currency, timezone: m.timezone, lowHashrateThs: m.lowHashrateThs };
}

/** The settings in effect before anything is read: the environment's. */
export const envEffective = (config: Config): EffectiveMiningSettings => effectiveSettings(envMiningSettings(config), undefined, config.fiatCurrencies);

/** What the pages read: the published settings, or the environment's until the first are published. */
export function currentSettings(published: EffectiveMiningSettings | undefined, config: Config): EffectiveMiningSettings {
  return published ?? envEffective(config);
}

export async function loadMiningSettings(history: History, config: Config): Promise<EffectiveMiningSettings> {
  const saved = await history.getSetting(MINING_SETTINGS_KEY, savedSettingsSchema);
  return effectiveSettings(envMiningSettings(config), saved, config.fiatCurrencies);
}

const same = (a: EffectiveMiningSettings | undefined, b: EffectiveMiningSettings) => a !== undefined && JSON.stringify(a) === JSON.stringify(b);

/** Reads the saved settings and publishes them to the store when they differ from what is there; returns them. */
export async function refreshMiningSettings(deps: { history: History; store: Store; config: Config }): Promise<EffectiveMiningSettings> {
  const settings = await loadMiningSettings(deps.history, deps.config);
  if (!same(await deps.store.get(keys.miningSettings), settings)) await deps.store.set(keys.miningSettings, settings);
  return settings;
}

/** Saves validated input over what was saved before, and publishes the result. */
export async function saveMiningSettings(deps: { history: History; store: Store; config: Config }, input: MiningSettingsInput, nowMs = Date.now()): Promise<EffectiveMiningSettings> {
  const before = await deps.history.getSetting(MINING_SETTINGS_KEY, savedSettingsSchema);
  const saved = mergeSaved(before, input, nowMs);
  await deps.history.setSetting(MINING_SETTINGS_KEY, saved, Math.floor(nowMs / 1000));
  const settings = effectiveSettings(envMiningSettings(deps.config), saved, deps.config.fiatCurrencies);
  await deps.store.set(keys.miningSettings, settings);
  return settings;
}

/** Forgets what was saved: the environment's values apply again. */
export async function resetMiningSettings(deps: { history: History; store: Store; config: Config }, nowMs = Date.now()): Promise<EffectiveMiningSettings> {
  const saved: SavedSettings = { values: {}, updatedAtMs: nowMs };
  await deps.history.setSetting(MINING_SETTINGS_KEY, saved, Math.floor(nowMs / 1000));
  const settings = effectiveSettings(envMiningSettings(deps.config), saved, deps.config.fiatCurrencies);
  await deps.store.set(keys.miningSettings, settings);
  return settings;
}

/** Asks the jobs that read the settings to run now (those this process knows of), so a new address is read at once. */
export async function nudgeMiningJobs(deps: { store: Store; jobs: readonly JobDefinition[]; log: Logger }): Promise<void> {
  for (const name of ['ocean', 'electrum']) {
    if (!deps.jobs.some((j) => j.name === name)) continue;
    await requestJobRun(deps.store, deps.jobs, name).catch((err: unknown) => deps.log.warn('job run not requested', { job: name, err: describeError(err) }));
  }
}
