// Calendar dates as people type them (YYYY-MM-DD, UTC). `Date.parse` accepts 2015-02-30 (as
// March 2) and years 0000 or 9999; a backfill date must be a real day between the genesis block
// and today.
import { z } from 'zod';

export const GENESIS_DAY = '2009-01-03';
const DAY_SEC = 86_400;

/** Unix seconds at 00:00 UTC of a real calendar date, or undefined (wrong shape or no such day). */
export function parseCalendarDate(text: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const ms = Date.UTC(y, mo - 1, d);
  const back = new Date(ms);
  // Date.UTC rolls over (Feb 30 -> Mar 2) and maps years 0-99 to 1900-1999: compare the parts back.
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) return undefined;
  return ms / 1000;
}

/** A YYYY-MM-DD date from the genesis block's day to today (UTC), as unix seconds. */
export function bitcoinDaySchema(nowMs: () => number = Date.now) {
  const genesisSec = parseCalendarDate(GENESIS_DAY) as number;
  return z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD')
    .transform((text, ctx) => {
      const sec = parseCalendarDate(text);
      if (sec === undefined) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: `${text} is not a calendar date` });
        return z.NEVER;
      }
      const todaySec = Math.floor(nowMs() / 1000 / DAY_SEC) * DAY_SEC;
      if (sec < genesisSec || sec > todaySec) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: `must be between ${GENESIS_DAY} and today` });
        return z.NEVER;
      }
      return sec;
    });
}
