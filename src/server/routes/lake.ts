// GET /api/v1/lake: the data lake's tables (partitions, files, rows, bytes), its buffer, the last
// flush and upload, and its errors, as the process running the stream last published them (a read
// model of keys.lakeStatus, the same in every web process).
import type { Reader } from '../../read-model/views.ts';
import { keys, type LakeStatus } from '../../store/keys.ts';
import type { AppContext } from '../app.ts';

const iso = (ms: number | null | undefined) => (ms === null || ms === undefined ? null : new Date(ms).toISOString());

/** Lake figures for the API and the Status page. */
export function lakeReply(r: Reader, enabled: boolean) {
  const s: LakeStatus | undefined = r.get(keys.lakeStatus);
  if (!enabled && !s) return { enabled: false, asOf: null, tables: [], reason: 'the lake is off (LAKE=off)' };
  if (!s) return { enabled, asOf: null, tables: [], reason: 'waiting for the stream pipeline (it runs in `satscope start` with LAKE=on, or as `satscope stream`)' };
  return {
    enabled,
    asOf: iso(s.asOfMs),
    holder: s.holder,
    tables: s.tables.map((t) => ({ table: t.table, partitions: t.partitions, files: t.files, rows: t.rows, bytes: t.bytes, firstHour: iso(t.firstHourMs), lastHour: iso(t.lastHourMs) })),
    buffer: { rows: s.buffer.rows, oldestAcceptedAt: iso(s.buffer.oldestAcceptedMs) },
    acceptedSinceStart: s.accepted,
    lastFlush: s.lastFlush && { at: iso(s.lastFlush.atMs), rows: s.lastFlush.rows, files: s.lastFlush.files, durationMs: s.lastFlush.durationMs },
    lastSeal: s.lastSeal && { at: iso(s.lastSeal.atMs), files: s.lastSeal.files },
    upload: s.s3 && { target: s.s3.target, pending: s.s3.pending, failing: s.s3.failing, lastUpload: s.s3.lastUpload && { at: iso(s.s3.lastUpload.atMs), key: s.s3.lastUpload.key }, lastError: s.s3.lastError && { at: iso(s.s3.lastError.atMs), message: s.s3.lastError.message } },
    engine: s.engine,
    errors: s.errors.map((e) => ({ at: iso(e.atMs), what: e.what, message: e.message })),
    rowsPerHour: s.rowsPerHour.map((h) => ({ hour: iso(h.hourMs), rows: h.rows })),
    settings: s.settings,
  };
}

export function lakeRoutes(app: AppContext) {
  return [app.jsonView('/api/v1/lake', (r) => ({ json: lakeReply(r, app.config.lake.enabled) }), 'The data lake: tables, buffer, flushes, uploads, errors, rows per hour')];
}
