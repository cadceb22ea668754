import type { SqlExecutor } from '../driver.ts';

export interface AlertFiring {
  firingId: string;
  ruleId: string;
  severity: 'info' | 'warning' | 'critical';
  title: string;
  message: string;
  value: number | null;
  threshold: number | null;
  firedAtMs: number;
  resolvedAtMs: number | null;
  resolvedMessage: string | null;
}

export interface AlertDelivery {
  firingId: string;
  state: 'firing' | 'resolved';
  channel: string;
  status: 'pending' | 'sent' | 'failed';
  attempts: number;
  lastError: string | null;
  nextAttemptAtMs: number;
  updatedAtMs: number;
}

const firingOf = (r: Record<string, unknown>): AlertFiring => ({
  firingId: String(r.firing_id),
  ruleId: String(r.rule_id),
  severity: r.severity as AlertFiring['severity'],
  title: String(r.title),
  message: String(r.message),
  value: r.value === null ? null : Number(r.value),
  threshold: r.threshold === null ? null : Number(r.threshold),
  firedAtMs: Number(r.fired_at_ms),
  resolvedAtMs: r.resolved_at_ms === null ? null : Number(r.resolved_at_ms),
  resolvedMessage: r.resolved_message === null ? null : String(r.resolved_message),
});

const deliveryOf = (r: Record<string, unknown>): AlertDelivery => ({
  firingId: String(r.firing_id),
  state: r.state as AlertDelivery['state'],
  channel: String(r.channel),
  status: r.status as AlertDelivery['status'],
  attempts: Number(r.attempts),
  lastError: r.last_error === null ? null : String(r.last_error),
  nextAttemptAtMs: Number(r.next_attempt_at_ms),
  updatedAtMs: Number(r.updated_at_ms),
});

const FIRING_COLUMNS = 'firing_id, rule_id, severity, title, message, value, threshold, fired_at_ms, resolved_at_ms, resolved_message';

/** A firing and one pending delivery per channel, together. */
export async function insertFiring(db: SqlExecutor, f: AlertFiring, channels: readonly string[]): Promise<void> {
  await db.run(`INSERT INTO alert_firings (${FIRING_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL) ON CONFLICT (firing_id) DO NOTHING`, [
    f.firingId, f.ruleId, f.severity, f.title, f.message, f.value, f.threshold, f.firedAtMs,
  ]);
  await insertDeliveries(db, f.firingId, 'firing', channels, f.firedAtMs);
}

/**
 * Marks a firing resolved; with `notify`, queues a "resolved" notification on each channel that was
 * told of the firing (none for a firing held back by its cooldown). False when it was not open.
 */
export async function resolveFiring(db: SqlExecutor, firingId: string, atMs: number, message: string, notify: boolean): Promise<boolean> {
  const { changes } = await db.run('UPDATE alert_firings SET resolved_at_ms = ?, resolved_message = ? WHERE firing_id = ? AND resolved_at_ms IS NULL', [atMs, message, firingId]);
  if (changes > 0 && notify) {
    await db.run(
      "INSERT INTO alert_deliveries (firing_id, state, channel, status, attempts, last_error, next_attempt_at_ms, updated_at_ms) SELECT firing_id, 'resolved', channel, 'pending', 0, NULL, ?, ? FROM alert_deliveries WHERE firing_id = ? AND state = 'firing' ON CONFLICT (firing_id, state, channel) DO NOTHING",
      [atMs, atMs, firingId],
    );
  }
  return changes > 0;
}

export async function selectFiringsByIds(db: SqlExecutor, ids: readonly string[]): Promise<AlertFiring[]> {
  if (ids.length === 0) return [];
  return (await db.all<Record<string, unknown>>(`SELECT ${FIRING_COLUMNS} FROM alert_firings WHERE firing_id IN (${ids.map(() => '?').join(', ')})`, [...ids])).map(firingOf);
}

/** Forgets resolved firings (and their notifications) older than `beforeMs`. */
export async function deleteResolvedBefore(db: SqlExecutor, beforeMs: number): Promise<number> {
  await db.run('DELETE FROM alert_deliveries WHERE firing_id IN (SELECT firing_id FROM alert_firings WHERE resolved_at_ms IS NOT NULL AND resolved_at_ms < ?)', [beforeMs]);
  return (await db.run('DELETE FROM alert_firings WHERE resolved_at_ms IS NOT NULL AND resolved_at_ms < ?', [beforeMs])).changes;
}

async function insertDeliveries(db: SqlExecutor, firingId: string, state: 'firing' | 'resolved', channels: readonly string[], atMs: number): Promise<void> {
  for (const channel of channels) {
    await db.run(
      "INSERT INTO alert_deliveries (firing_id, state, channel, status, attempts, last_error, next_attempt_at_ms, updated_at_ms) VALUES (?, ?, ?, 'pending', 0, NULL, ?, ?) ON CONFLICT (firing_id, state, channel) DO NOTHING",
      [firingId, state, channel, atMs, atMs],
    );
  }
}

export async function selectOpenFirings(db: SqlExecutor): Promise<AlertFiring[]> {
  return (await db.all<Record<string, unknown>>(`SELECT ${FIRING_COLUMNS} FROM alert_firings WHERE resolved_at_ms IS NULL ORDER BY fired_at_ms`)).map(firingOf);
}

export async function selectRecentFirings(db: SqlExecutor, limit: number): Promise<AlertFiring[]> {
  return (await db.all<Record<string, unknown>>(`SELECT ${FIRING_COLUMNS} FROM alert_firings ORDER BY fired_at_ms DESC LIMIT ?`, [limit])).map(firingOf);
}

/** When each rule last fired (for cooldowns). */
export async function selectLastFired(db: SqlExecutor): Promise<Map<string, number>> {
  const rows = await db.all<{ rule_id: string; m: number }>('SELECT rule_id, MAX(fired_at_ms) AS m FROM alert_firings GROUP BY rule_id');
  return new Map(rows.map((r) => [String(r.rule_id), Number(r.m)]));
}

export async function selectDueDeliveries(db: SqlExecutor, nowMs: number, limit: number): Promise<AlertDelivery[]> {
  return (
    await db.all<Record<string, unknown>>("SELECT * FROM alert_deliveries WHERE status = 'pending' AND next_attempt_at_ms <= ? ORDER BY next_attempt_at_ms LIMIT ?", [nowMs, limit])
  ).map(deliveryOf);
}

/** Records an attempt's outcome: sent, pending again at `nextAttemptAtMs`, or failed for good. */
export async function updateDelivery(db: SqlExecutor, d: Pick<AlertDelivery, 'firingId' | 'state' | 'channel' | 'status' | 'attempts' | 'lastError' | 'nextAttemptAtMs' | 'updatedAtMs'>): Promise<void> {
  await db.run('UPDATE alert_deliveries SET status = ?, attempts = ?, last_error = ?, next_attempt_at_ms = ?, updated_at_ms = ? WHERE firing_id = ? AND state = ? AND channel = ?', [
    d.status, d.attempts, d.lastError, d.nextAttemptAtMs, d.updatedAtMs, d.firingId, d.state, d.channel,
  ]);
}

/** The latest delivery of each channel, for its status. */
export async function selectChannelLatest(db: SqlExecutor): Promise<AlertDelivery[]> {
  const rows = await db.all<Record<string, unknown>>(
    'SELECT d.* FROM alert_deliveries d JOIN (SELECT channel, MAX(updated_at_ms) AS m FROM alert_deliveries GROUP BY channel) x ON x.channel = d.channel AND x.m = d.updated_at_ms',
  );
  return rows.map(deliveryOf);
}

export async function selectDeliveries(db: SqlExecutor, firingId: string): Promise<AlertDelivery[]> {
  return (await db.all<Record<string, unknown>>('SELECT * FROM alert_deliveries WHERE firing_id = ? ORDER BY state, channel', [firingId])).map(deliveryOf);
}
