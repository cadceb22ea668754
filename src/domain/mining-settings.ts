// The mining settings a user changes on the Settings page: the payout address, power use and its
// price (in a currency of their choice), the timezone of payout and earnings dates, and the
// low-hashrate threshold. The environment gives the starting values; saved settings (in history,
// so every process sees them) replace them field by field. Validation says what is wrong in words.
import { z } from 'zod';
import { addressScript } from './address.ts';

export interface MiningSettings {
  /** Your OCEAN payout address; null: none set (the mining pages say how to set one). */
  address: string | null;
  powerWatts: number;
  /** The price of a kWh in `currency`. */
  powerPriceKwh: number;
  currency: string;
  /** An IANA timezone (e.g. Europe/Berlin) for payout and earnings dates. */
  timezone: string;
  lowHashrateThs: number;
}

/** The saved settings with where they came from: `saved` lists the fields set on the Settings page. */
export const effectiveSettingsSchema = z.object({
  address: z.string().nullable(),
  powerWatts: z.number(),
  powerPriceKwh: z.number(),
  currency: z.string(),
  timezone: z.string(),
  lowHashrateThs: z.number(),
  saved: z.array(z.string()),
  updatedAtMs: z.number().nullable(),
});
export type EffectiveMiningSettings = z.infer<typeof effectiveSettingsSchema>;

export const MINING_SETTING_FIELDS = ['address', 'powerWatts', 'powerPriceKwh', 'currency', 'timezone', 'lowHashrateThs'] as const;
export type MiningSettingField = (typeof MINING_SETTING_FIELDS)[number];

const KNOWN_ZONES: ReadonlySet<string> = (() => {
  try {
    return new Set(Intl.supportedValuesOf('timeZone'));
  } catch {
    return new Set<string>();
  }
})();

/**
 * The canonical name of a timezone: UTC, or one of the zones Intl lists (which browsers know too);
 * links and other spellings resolve to it ("US/Pacific" → "America/Los_Angeles", "europe/berlin"
 * → "Europe/Berlin"); null for what the runtime does not know or does not list ("SystemV/EST5").
 */
export function canonicalTimezone(zone: string): string | null {
  if (zone === 'UTC') return zone;
  if (zone.length === 0 || zone.length > 64 || !/^[A-Za-z0-9_+\-/]+$/.test(zone)) return null;
  if (KNOWN_ZONES.has(zone)) return zone;
  try {
    const resolved = new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone;
    return KNOWN_ZONES.has(resolved) ? resolved : null;
  } catch {
    return null;
  }
}

export const isTimezone = (zone: string): boolean => canonicalTimezone(zone) !== null;

/** A number typed in a form: "3,250" and " 0.12 " are read, anything else is not a number. */
const formNumber = (label: string, min: number, max: number, unit: string) =>
  z
    .union([z.number(), z.string().trim().max(32)])
    .transform((v, ctx) => {
      const n = typeof v === 'number' ? v : v === '' ? Number.NaN : Number(v.replace(/[,_\s]/g, ''));
      if (!Number.isFinite(n)) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: `${label} must be a number (${unit})` });
        return z.NEVER;
      }
      if (n < min || n > max) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: `${label} must be between ${min.toLocaleString('en-US')} and ${max.toLocaleString('en-US')} ${unit}` });
        return z.NEVER;
      }
      return n;
    })
    .describe(`${label}, ${min.toLocaleString('en-US')} to ${max.toLocaleString('en-US')} ${unit} (a number, or text such as "3,250")`);

/** What a save may hold: each field optional (a form sends all, the API may send some); an empty address clears it. */
export function miningSettingsInput(currencies: readonly string[]) {
  return z
    .object({
      address: z
        .string()
        .trim()
        .max(100, 'Payout address is too long for a Bitcoin address')
        .refine((a) => a === '' || a.length > 100 || addressScript(a) !== null, 'Payout address is not a valid Bitcoin address (a typo? its checksum does not match)')
        .transform((a) => (a === '' ? null : a))
        .describe('your payout address at OCEAN; empty clears it'),
      powerWatts: formNumber('Power use', 0, 100_000, 'W'),
      powerPriceKwh: formNumber('Power price', 0, 10, 'per kWh'),
      currency: z
        .string()
        .trim()
        .transform((c) => c.toUpperCase())
        .refine((c) => currencies.includes(c), `Currency must be one of ${currencies.join(', ')} (add others with FIAT_CURRENCIES)`)
        .describe(`the mining currency (the power price, the fiat figures): one of ${currencies.join(', ')}`),
      timezone: z
        .string()
        .trim()
        .refine(isTimezone, 'Timezone must be an IANA name such as UTC, Europe/Berlin or America/New_York')
        .transform((zone) => canonicalTimezone(zone) as string)
        .describe('the timezone of payout dates, an IANA name such as Europe/Berlin'),
      lowHashrateThs: formNumber('Low-hashrate threshold', 0, 1_000_000, 'TH/s'),
    })
    .partial()
    .strict();
}
export type MiningSettingsInput = z.infer<ReturnType<typeof miningSettingsInput>>;

/** The saved overrides as kept in history. */
export const savedSettingsSchema = z.object({
  values: z
    .object({
      address: z.string().nullable(),
      powerWatts: z.number(),
      powerPriceKwh: z.number(),
      currency: z.string(),
      timezone: z.string(),
      lowHashrateThs: z.number().finite(),
    })
    .partial(),
  updatedAtMs: z.number(),
});
export type SavedSettings = z.infer<typeof savedSettingsSchema>;

/** The environment's values, then each saved field over them (a saved currency no longer offered falls back). */
export function effectiveSettings(env: MiningSettings, saved: SavedSettings | undefined, currencies: readonly string[]): EffectiveMiningSettings {
  const out: MiningSettings = { ...env };
  const fields: string[] = [];
  const v = saved?.values ?? {};
  for (const f of MINING_SETTING_FIELDS) {
    const value = v[f];
    if (value === undefined) continue;
    if (f === 'currency' && !currencies.includes(value as string)) continue;
    // Checked again on read: a zone saved by a process with a newer timezone database may be unknown here.
    if (f === 'timezone' && !isTimezone(value as string)) continue;
    (out as unknown as Record<string, unknown>)[f] = value;
    fields.push(f);
  }
  return { ...out, saved: fields, updatedAtMs: saved?.updatedAtMs ?? null };
}

/** A save merged into what was saved before: fields not sent keep their saved value. */
export function mergeSaved(before: SavedSettings | undefined, input: MiningSettingsInput, nowMs: number): SavedSettings {
  const values = { ...(before?.values ?? {}) };
  for (const f of MINING_SETTING_FIELDS) if (input[f] !== undefined) (values as Record<string, unknown>)[f] = input[f];
  return { values, updatedAtMs: nowMs };
}

/** The power price in USD per kWh, from a price in `currency` and the market's USD→currency rate; null without a rate. */
export function powerPriceUsd(price: number, currency: string, usdToCurrency: number | null): number | null {
  if (currency === 'USD') return price;
  if (usdToCurrency === null || !(usdToCurrency > 0)) return null;
  return price / usdToCurrency;
}

/** A date and time in the zone, for CSV and pages: "2026-11-30 14:05" (24-hour, the zone's local time). */
export function localDateTime(sec: number, zone: string): string {
  const timeZone = canonicalTimezone(zone) ?? 'UTC';
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
      .formatToParts(new Date(sec * 1000))
      .map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}`;
}
