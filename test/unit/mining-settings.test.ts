// The mining settings: what a form or the API may save (with the words a user reads when it is
// wrong), how saved fields override the environment's, and the conversions they drive.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canonicalTimezone, effectiveSettings, isTimezone, localDateTime, mergeSaved, miningSettingsInput, powerPriceUsd, type MiningSettings } from '../../src/domain/mining-settings.ts';
import { loadConfig } from '../../src/config.ts';
import { envMiningSettings } from '../../src/mining-settings.ts';

const ADDRESS = 'bc1qcnpuc5scg0n4hpwpvalntmg6n0c0349x9jfgcj';
const schema = miningSettingsInput(['USD', 'EUR']);
const messages = (input: unknown) => {
  const r = schema.safeParse(input);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};
const ENV: MiningSettings = { address: null, powerWatts: 0, powerPriceKwh: 0, currency: 'USD', timezone: 'UTC', lowHashrateThs: 10 };

test('a form as typed is read: numbers with separators, a lower-case currency, an empty address clears it', () => {
  const r = schema.parse({ address: ` ${ADDRESS} `, powerWatts: '3,250', powerPriceKwh: ' 0.12 ', currency: 'eur', timezone: 'Europe/Berlin', lowHashrateThs: '0' });
  assert.deepEqual(r, { address: ADDRESS, powerWatts: 3250, powerPriceKwh: 0.12, currency: 'EUR', timezone: 'Europe/Berlin', lowHashrateThs: 0 });
  assert.equal(schema.parse({ address: '' }).address, null);
  assert.deepEqual(schema.parse({ powerWatts: 100_000, powerPriceKwh: 10 }), { powerWatts: 100_000, powerPriceKwh: 10 }, 'the bounds themselves are allowed');
});

test('each bad field is named with what is wrong and what is allowed', () => {
  assert.deepEqual(messages({ powerWatts: '100001' }), ['powerWatts: Power use must be between 0 and 100,000 W']);
  assert.deepEqual(messages({ powerWatts: '-1' }), ['powerWatts: Power use must be between 0 and 100,000 W']);
  assert.deepEqual(messages({ powerWatts: 'lots' }), ['powerWatts: Power use must be a number (W)']);
  assert.deepEqual(messages({ powerWatts: '' }), ['powerWatts: Power use must be a number (W)']);
  assert.deepEqual(messages({ powerPriceKwh: '10.01' }), ['powerPriceKwh: Power price must be between 0 and 10 per kWh']);
  assert.deepEqual(messages({ powerPriceKwh: 'NaN' }), ['powerPriceKwh: Power price must be a number (per kWh)']);
  assert.deepEqual(messages({ powerPriceKwh: 'Infinity' }), ['powerPriceKwh: Power price must be a number (per kWh)']);
  assert.deepEqual(messages({ currency: 'GBP' }), ['currency: Currency must be one of USD, EUR (add others with FIAT_CURRENCIES)']);
  assert.deepEqual(messages({ timezone: 'Mars/Olympus' }), ['timezone: Timezone must be an IANA name such as UTC, Europe/Berlin or America/New_York']);
  // One letter changed: the checksum catches it.
  assert.deepEqual(messages({ address: ADDRESS.replace('cnpu', 'cnpv') }), ['address: Payout address is not a valid Bitcoin address (a typo? its checksum does not match)']);
  assert.deepEqual(messages({ address: 'x'.repeat(101) }), ['address: Payout address is too long for a Bitcoin address']);
  assert.deepEqual(messages({ lowHashrateThs: '2000000' }), ['lowHashrateThs: Low-hashrate threshold must be between 0 and 1,000,000 TH/s']);
  assert.equal(messages({ token: 'x' }).length, 1, 'unknown fields are refused');
  assert.equal(messages({ powerWatts: ['1', '2'] }).length, 1, 'a list is not a number');
});

test('timezones: IANA names the runtime knows, nothing else', () => {
  for (const z of ['UTC', 'Europe/Berlin', 'America/Argentina/Buenos_Aires', 'Asia/Tokyo']) assert.ok(isTimezone(z), z);
  for (const z of ['', 'Nowhere/Land', '../etc/passwd', 'UTC<script>', 'a'.repeat(65), 'SystemV/EST5']) assert.ok(!isTimezone(z), z);
  // Links and other spellings are kept by the canonical name a browser knows.
  assert.equal(canonicalTimezone('US/Pacific'), 'America/Los_Angeles');
  assert.equal(canonicalTimezone('europe/berlin'), 'Europe/Berlin');
  assert.equal(schema.parse({ timezone: 'America/Argentina/Buenos_Aires' }).timezone, canonicalTimezone('America/Argentina/Buenos_Aires'), 'kept by its canonical name');
  assert.equal(localDateTime(0, 'Nowhere/Land'), '1970-01-01 00:00', 'a zone this runtime does not know is UTC');
});

test('saved fields override the environment one by one; a saved currency no longer offered falls back', () => {
  const saved = mergeSaved(undefined, { powerWatts: 3400, currency: 'EUR' }, 1000);
  const eff = effectiveSettings(ENV, saved, ['USD', 'EUR']);
  assert.deepEqual(eff, { ...ENV, powerWatts: 3400, currency: 'EUR', saved: ['powerWatts', 'currency'], updatedAtMs: 1000 });
  const later = mergeSaved(saved, { address: ADDRESS, powerWatts: 100 }, 2000);
  assert.deepEqual(later.values, { powerWatts: 100, currency: 'EUR', address: ADDRESS });
  assert.equal(effectiveSettings(ENV, later, ['USD']).currency, 'USD', 'EUR is no longer in FIAT_CURRENCIES');
  const cleared = mergeSaved(later, { address: null }, 3000);
  assert.equal(effectiveSettings({ ...ENV, address: 'bc1qenv' }, cleared, ['USD']).address, null, 'a cleared address stays cleared over the environment');
  assert.deepEqual(effectiveSettings(ENV, undefined, ['USD']), { ...ENV, saved: [], updatedAtMs: null });
});

test('the environment gives the starting values, and MINING_CURRENCY must be one Satscope prices in', () => {
  const config = loadConfig({ OCEAN_ADDRESS: ADDRESS, MINING_POWER_WATTS: '3250', MINING_POWER_PRICE_KWH: '0.3', MINING_CURRENCY: 'eur', FIAT_CURRENCIES: 'EUR', MINING_TIMEZONE: 'Asia/Tokyo', MINING_LOW_HASHRATE_THS: '2' });
  assert.deepEqual(envMiningSettings(config), { address: ADDRESS, powerWatts: 3250, powerPriceKwh: 0.3, currency: 'EUR', timezone: 'Asia/Tokyo', lowHashrateThs: 2 });
  assert.throws(() => loadConfig({ MINING_CURRENCY: 'EUR' }), /MINING_CURRENCY: must be one of FIAT_CURRENCIES \(USD\)/);
  assert.throws(() => loadConfig({ MINING_TIMEZONE: 'Berlin' }), /MINING_TIMEZONE: must be an IANA timezone/);
  assert.throws(() => loadConfig({ MINING_LOW_HASHRATE_THS: 'Infinity' }), /MINING_LOW_HASHRATE_THS/);
  assert.throws(() => loadConfig({ MINING_LOW_HASHRATE_THS: '1e400' }), /MINING_LOW_HASHRATE_THS/);
});

test('a power price in another currency is converted with the market rate, and is unknown without one', () => {
  assert.equal(powerPriceUsd(0.25, 'USD', null), 0.25);
  // 1 USD = 0.9 EUR: 0.27 EUR is 0.30 USD.
  assert.ok(Math.abs((powerPriceUsd(0.27, 'EUR', 0.9) as number) - 0.3) < 1e-12);
  assert.equal(powerPriceUsd(0.27, 'EUR', null), null);
  assert.equal(powerPriceUsd(0.27, 'EUR', 0), null);
});

test('local dates follow the zone and its daylight saving', () => {
  // 2026-06-01 09:15 UTC: summer, Berlin is UTC+2; 2026-01-15 09:15 UTC: winter, UTC+1.
  assert.equal(localDateTime(Date.UTC(2026, 5, 1, 9, 15) / 1000, 'Europe/Berlin'), '2026-06-01 11:15');
  assert.equal(localDateTime(Date.UTC(2026, 0, 15, 9, 15) / 1000, 'Europe/Berlin'), '2026-01-15 10:15');
  assert.equal(localDateTime(Date.UTC(2026, 0, 1, 2, 0) / 1000, 'America/New_York'), '2025-12-31 21:00', 'the date moves back across midnight');
  assert.equal(localDateTime(Date.UTC(2026, 0, 1, 0, 5) / 1000, 'UTC'), '2026-01-01 00:05', 'midnight is 00, not 24');
});
