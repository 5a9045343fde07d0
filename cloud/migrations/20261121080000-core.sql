-- Core control plane: directory, appliances, sessions with sealed rosters, events, sign-ins,
-- API tokens and the audit log.

CREATE TABLE trading_centers (
  id          text PRIMARY KEY,
  name        text NOT NULL,
  level       text NOT NULL CHECK (level IN ('province', 'city', 'county')),
  -- administrative division code (GB/T 2260), e.g. 21 / 2101 / 210102; jurisdictions match by prefix
  region_code text NOT NULL,
  parent_id   text REFERENCES trading_centers(id),
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE venues (
  id                text PRIMARY KEY,
  trading_center_id text NOT NULL REFERENCES trading_centers(id),
  name              text NOT NULL,
  created_at        timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE rooms (
  id         text PRIMARY KEY,
  venue_id   text NOT NULL REFERENCES venues(id),
  name       text NOT NULL,
  shared     boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX rooms_venue ON rooms (venue_id);

CREATE TABLE workstations (
  id         text PRIMARY KEY,
  room_id    text NOT NULL REFERENCES rooms(id),
  code       text NOT NULL,
  shared     boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (room_id, code)
);

CREATE TABLE appliances (
  id              text PRIMARY KEY,
  room_id         text NOT NULL REFERENCES rooms(id),
  -- scrypt$N$r$p$salt$hash of the MQTT password; the password itself is returned once
  secret_hash     text NOT NULL,
  desired_version bigint NOT NULL DEFAULT 0,
  online          boolean NOT NULL DEFAULT false,
  applied_version bigint,
  firmware        text,
  reported        jsonb,
  last_seen       timestamptz,
  registered_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX appliances_room ON appliances (room_id);

CREATE TABLE sessions (
  id                     text PRIMARY KEY,
  project_code           text NOT NULL,
  project_name           text NOT NULL,
  lots                   jsonb NOT NULL,
  main_venue_id          text NOT NULL REFERENCES venues(id),
  supervising_department text,
  status                 text NOT NULL DEFAULT 'scheduled',
  starts_at              timestamptz NOT NULL,
  ends_at                timestamptz NOT NULL,
  check_in_opens_at      timestamptz NOT NULL,
  check_in_closes_at     timestamptz NOT NULL,
  -- base64 HMAC key for roster id hashes; travels to the session's appliances only
  id_hash_key            text NOT NULL,
  created_at             timestamptz NOT NULL DEFAULT now(),
  CHECK (ends_at > starts_at)
);
CREATE INDEX sessions_window ON sessions (ends_at);

-- One row per person assigned to a room of a session. Identity columns are AES-256-GCM
-- ciphertexts (see src/crypto/pii-cipher.ts); decryption is audited.
CREATE TABLE session_roster (
  session_id    text NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  expert_ref    text NOT NULL,
  room_id       text NOT NULL REFERENCES rooms(id),
  role          text NOT NULL DEFAULT 'expert',
  workstation   text,
  id_hash       text NOT NULL,
  name_enc      text NOT NULL,
  id_number_enc text NOT NULL,
  PRIMARY KEY (session_id, expert_ref),
  UNIQUE (session_id, id_hash)
);
CREATE INDEX session_roster_room ON session_roster (room_id);

-- Every event from every appliance, once (eventId is the idempotency key).
CREATE TABLE appliance_events (
  event_id     uuid PRIMARY KEY,
  appliance_id text NOT NULL,
  seq          bigint NOT NULL,
  type         text NOT NULL,
  ts           timestamptz NOT NULL,
  received_at  timestamptz NOT NULL DEFAULT now(),
  data         jsonb NOT NULL
);
CREATE INDEX appliance_events_app ON appliance_events (appliance_id, ts DESC);
CREATE INDEX appliance_events_type ON appliance_events (type, ts DESC);

CREATE TABLE signins (
  checkin_id   text PRIMARY KEY,
  event_id     uuid NOT NULL UNIQUE REFERENCES appliance_events(event_id),
  session_id   text NOT NULL,
  expert_ref   text NOT NULL,
  appliance_id text NOT NULL,
  room_id      text NOT NULL,
  workstation  text,
  arrived_at   timestamptz NOT NULL,
  method       text NOT NULL,
  override     jsonb,
  recorded_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX signins_session ON signins (session_id, arrived_at);

CREATE TABLE checkin_rejections (
  checkin_id   text PRIMARY KEY,
  event_id     uuid NOT NULL UNIQUE REFERENCES appliance_events(event_id),
  session_id   text,
  expert_ref   text,
  appliance_id text NOT NULL,
  room_id      text NOT NULL,
  outcome      text NOT NULL,
  reason       text NOT NULL,
  at           timestamptz NOT NULL
);
CREATE INDEX checkin_rejections_session ON checkin_rejections (session_id);

CREATE TABLE gate_entries (
  event_id     uuid PRIMARY KEY REFERENCES appliance_events(event_id),
  appliance_id text NOT NULL,
  room_id      text NOT NULL,
  gate_id      text NOT NULL,
  checkin_id   text,
  at           timestamptz NOT NULL,
  reason       text NOT NULL
);

CREATE TABLE incidents (
  event_id     uuid PRIMARY KEY REFERENCES appliance_events(event_id),
  appliance_id text NOT NULL,
  room_id      text NOT NULL,
  session_id   text,
  description  text NOT NULL,
  handling     text NOT NULL,
  staff_id     text NOT NULL,
  at           timestamptz NOT NULL
);

CREATE TABLE api_tokens (
  id           text PRIMARY KEY,
  -- sha256 hex of the bearer secret (high-entropy, so a fast hash is enough)
  token_hash   text NOT NULL UNIQUE,
  role         text NOT NULL CHECK (role IN ('technician', 'venue_staff', 'central_ops', 'supervisor', 'admin')),
  venue_ids    text[] NOT NULL DEFAULT '{}',
  jurisdiction text,
  department   text,
  label        text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  revoked_at   timestamptz
);

CREATE TABLE audit_log (
  id       bigserial PRIMARY KEY,
  at       timestamptz NOT NULL DEFAULT now(),
  actor    text NOT NULL,
  action   text NOT NULL,
  subject  text NOT NULL,
  detail   jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_subject ON audit_log (subject, at);
