-- Footage archive: resumable, per-chunk-checksummed uploads of session evidence bundles, the
-- write-once record of archived bundles, and missed handover deadlines.

CREATE TABLE archive_uploads (
  upload_id        text PRIMARY KEY,
  session_id       text NOT NULL,
  appliance_id     text NOT NULL REFERENCES appliances(id),
  bundle_sha256    text NOT NULL,
  total_size       bigint NOT NULL,
  chunk_size       integer NOT NULL,
  chunk_count      integer NOT NULL,
  files            jsonb NOT NULL,
  session_ended_at timestamptz NOT NULL,
  created_at       timestamptz NOT NULL DEFAULT now(),
  UNIQUE (session_id, appliance_id, bundle_sha256)
);

CREATE TABLE archive_chunks (
  upload_id   text NOT NULL REFERENCES archive_uploads(upload_id),
  idx         integer NOT NULL,
  sha256      text NOT NULL,
  size        integer NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (upload_id, idx)
);

-- One row per archived (session, appliance): never updated, never deleted.
CREATE TABLE archive_bundles (
  session_id       text NOT NULL,
  appliance_id     text NOT NULL REFERENCES appliances(id),
  archive_id       text NOT NULL UNIQUE,
  bundle_sha256    text NOT NULL,
  upload_id        text NOT NULL REFERENCES archive_uploads(upload_id),
  storage_path     text NOT NULL,
  total_size       bigint NOT NULL,
  session_ended_at timestamptz NOT NULL,
  deadline_at      timestamptz NOT NULL,
  received_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (session_id, appliance_id)
);

CREATE FUNCTION archive_bundles_write_once() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'archive_bundles is write-once: % refused', TG_OP;
END;
$$;
CREATE TRIGGER archive_bundles_no_update BEFORE UPDATE OR DELETE ON archive_bundles
  FOR EACH ROW EXECUTE FUNCTION archive_bundles_write_once();

-- Sessions whose footage was not handed over in time (raised once per session).
CREATE TABLE archive_handover_alarms (
  session_id  text PRIMARY KEY,
  ended_at    timestamptz NOT NULL,
  deadline_at timestamptz NOT NULL,
  raised_at   timestamptz NOT NULL DEFAULT now()
);
