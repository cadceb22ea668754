import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bitcoinDaySchema, parseCalendarDate } from '../../src/domain/dates.ts';

test('parseCalendarDate() accepts real days only, as unix seconds at 00:00 UTC', () => {
  // Hand-computed: 2009-01-03 is 14,247 days after 1970-01-01; 2016-02-29 is 16,860 days after.
  assert.equal(parseCalendarDate('2009-01-03'), 14_247 * 86_400);
  assert.equal(parseCalendarDate('2016-02-29'), 16_860 * 86_400);
  for (const bad of ['2015-02-30', '2015-02-29', '2015-13-01', '2015-00-10', '2015-04-31', '0000-01-01', '0099-01-01', '2015-1-01', '2015/01/01', '', 'x']) {
    assert.equal(parseCalendarDate(bad), undefined, bad);
  }
});

test('bitcoinDaySchema() takes days from the genesis block to today', () => {
  const now = () => Date.UTC(2026, 10, 30, 12);
  const s = bitcoinDaySchema(now);
  assert.equal(s.parse('2026-11-30'), Date.UTC(2026, 10, 30) / 1000);
  assert.equal(s.parse('2009-01-03'), 14_247 * 86_400);
  for (const bad of ['2009-01-02', '2026-12-01', '9999-12-31', '0000-01-01', '2015-02-30']) assert.equal(s.safeParse(bad).success, false, bad);
  const r = s.safeParse('2015-02-30');
  assert.match(r.success ? '' : (r.error.issues[0]?.message ?? ''), /not a calendar date/);
});
