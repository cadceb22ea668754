-- Blocks as seen by your nodes. A block replaced in a reorg keeps its row, marked orphaned.
CREATE TABLE blocks (
  hash TEXT PRIMARY KEY,
  height BIGINT NOT NULL,
  time_sec BIGINT NOT NULL,
  tx_count BIGINT NOT NULL,
  size_bytes BIGINT NOT NULL,
  weight BIGINT NOT NULL,
  total_fee_sats BIGINT,
  fee_rate_percentiles TEXT,
  subsidy_sats BIGINT NOT NULL,
  reward_sats BIGINT,
  interval_sec BIGINT,
  pool TEXT,
  orphaned INTEGER NOT NULL DEFAULT 0,
  source TEXT NOT NULL,
  seen_at_ms BIGINT NOT NULL
);

CREATE INDEX blocks_height ON blocks (height);
