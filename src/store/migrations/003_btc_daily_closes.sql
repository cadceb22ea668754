-- Daily BTC/USD closes, one row per UTC day (day_sec = 00:00 UTC of the day).
CREATE TABLE btc_daily_closes (
  day_sec BIGINT PRIMARY KEY,
  open_usd DOUBLE PRECISION NOT NULL,
  high_usd DOUBLE PRECISION NOT NULL,
  low_usd DOUBLE PRECISION NOT NULL,
  close_usd DOUBLE PRECISION NOT NULL,
  volume_btc DOUBLE PRECISION NOT NULL,
  source TEXT NOT NULL,
  updated_at_ms BIGINT NOT NULL
);
