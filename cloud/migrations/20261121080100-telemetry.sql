-- Telemetry store: TimescaleDB hypertable + compression when the extension can be loaded,
-- otherwise a natively range-partitioned table with one partition per day (created ahead by
-- TelemetryPartitions; retention drops whole partitions). Rollups for dashboards per 1 min / 1 h.

DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb') THEN
    BEGIN
      CREATE EXTENSION IF NOT EXISTS timescaledb;
    EXCEPTION WHEN others THEN
      RAISE NOTICE 'timescaledb present but not loadable (%); using native partitions', SQLERRM;
    END;
  END IF;
END $$;

DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') THEN
    EXECUTE 'CREATE TABLE telemetry (ts timestamptz NOT NULL, appliance_id text NOT NULL, metric text NOT NULL,
                                     device text, value double precision NOT NULL)';
    EXECUTE $q$SELECT create_hypertable('telemetry', 'ts', chunk_time_interval => interval '1 day')$q$;
    EXECUTE $q$ALTER TABLE telemetry SET (timescaledb.compress, timescaledb.compress_segmentby = 'appliance_id, metric')$q$;
    BEGIN
      EXECUTE $q$SELECT add_compression_policy('telemetry', interval '2 days')$q$;
    EXCEPTION WHEN others THEN
      RAISE NOTICE 'no compression policy (%)', SQLERRM;
    END;
  ELSE
    EXECUTE 'CREATE TABLE telemetry (ts timestamptz NOT NULL, appliance_id text NOT NULL, metric text NOT NULL,
                                     device text, value double precision NOT NULL) PARTITION BY RANGE (ts)';
  END IF;
END $$;

CREATE INDEX telemetry_series ON telemetry (appliance_id, metric, ts);

CREATE TABLE telemetry_1m (
  appliance_id text NOT NULL,
  metric       text NOT NULL,
  bucket       timestamptz NOT NULL,
  n            bigint NOT NULL,
  sum          double precision NOT NULL,
  min          double precision NOT NULL,
  max          double precision NOT NULL,
  PRIMARY KEY (appliance_id, metric, bucket)
);

CREATE TABLE telemetry_1h (LIKE telemetry_1m INCLUDING ALL);
