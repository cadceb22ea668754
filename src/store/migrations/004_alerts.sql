-- Alerts: each firing of a rule (resolved_at_ms set when it clears), and each notification of a
-- firing or its resolution per channel, written before it is sent so a retry never sends twice.
CREATE TABLE alert_firings (
  firing_id TEXT PRIMARY KEY,
  rule_id TEXT NOT NULL,
  severity TEXT NOT NULL,
  title TEXT NOT NULL,
  message TEXT NOT NULL,
  value DOUBLE PRECISION,
  threshold DOUBLE PRECISION,
  fired_at_ms BIGINT NOT NULL,
  resolved_at_ms BIGINT,
  resolved_message TEXT
);

CREATE INDEX alert_firings_rule ON alert_firings (rule_id, fired_at_ms);
CREATE INDEX alert_firings_fired ON alert_firings (fired_at_ms);

CREATE TABLE alert_deliveries (
  firing_id TEXT NOT NULL,
  state TEXT NOT NULL,
  channel TEXT NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  last_error TEXT,
  next_attempt_at_ms BIGINT NOT NULL,
  updated_at_ms BIGINT NOT NULL,
  PRIMARY KEY (firing_id, state, channel)
);

CREATE INDEX alert_deliveries_due ON alert_deliveries (status, next_attempt_at_ms);
CREATE INDEX alert_deliveries_channel ON alert_deliveries (channel, updated_at_ms);
