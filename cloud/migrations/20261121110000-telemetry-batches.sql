-- Telemetry batch ids already stored, so a batch redelivered after a cloud restart (or to another
-- replica) is stored once. Written in the same transaction as the batch's rows; pruned with the
-- telemetry retention.
CREATE TABLE telemetry_batches (
  batch_id     uuid PRIMARY KEY,
  appliance_id text NOT NULL,
  received_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX telemetry_batches_received ON telemetry_batches (received_at);
