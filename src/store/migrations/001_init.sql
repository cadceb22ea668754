-- Portable SQL: runs unchanged on SQLite and PostgreSQL.
CREATE TABLE points (
  series TEXT NOT NULL,
  ts BIGINT NOT NULL,
  value DOUBLE PRECISION NOT NULL,
  PRIMARY KEY (series, ts)
);

CREATE TABLE points_hourly (
  series TEXT NOT NULL,
  ts BIGINT NOT NULL,
  avg DOUBLE PRECISION NOT NULL,
  min DOUBLE PRECISION NOT NULL,
  max DOUBLE PRECISION NOT NULL,
  count BIGINT NOT NULL,
  PRIMARY KEY (series, ts)
);

CREATE TABLE points_daily (
  series TEXT NOT NULL,
  ts BIGINT NOT NULL,
  avg DOUBLE PRECISION NOT NULL,
  min DOUBLE PRECISION NOT NULL,
  max DOUBLE PRECISION NOT NULL,
  count BIGINT NOT NULL,
  PRIMARY KEY (series, ts)
);

CREATE TABLE settings (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  updated_at BIGINT NOT NULL
);

CREATE TABLE job_runs (
  id TEXT PRIMARY KEY,
  job TEXT NOT NULL,
  holder TEXT NOT NULL,
  started_at_ms BIGINT NOT NULL,
  finished_at_ms BIGINT NOT NULL,
  outcome TEXT NOT NULL,
  error TEXT
);

CREATE INDEX job_runs_job_started ON job_runs (job, started_at_ms);
