-- Rules of the control plane: workstation bookings (no double booking, enforced here), booking
-- changes, sub-venue draws (commit–reveal), session transitions, evaluation results for the
-- monthly dispatch report, and outgoing platform webhooks.

-- The core has these flags; kept idempotent in case an older core schema lacks them.
ALTER TABLE workstations ADD COLUMN IF NOT EXISTS shared boolean NOT NULL DEFAULT false;
ALTER TABLE rooms ADD COLUMN IF NOT EXISTS shared boolean NOT NULL DEFAULT false;

-- One row per workstation of a booking request. An active row (requested or confirmed) holds
-- its workstation for its time range; the exclusion constraint refuses any overlap, also under
-- concurrent transactions.
CREATE TABLE bookings (
  id               text PRIMARY KEY,
  request_id       text NOT NULL,
  project_code     text NOT NULL,
  session_id       text REFERENCES sessions(id),
  main_venue_id    text NOT NULL REFERENCES venues(id),
  venue_id         text NOT NULL REFERENCES venues(id),
  workstation_id   text NOT NULL REFERENCES workstations(id),
  slot             tstzrange NOT NULL,
  status           text NOT NULL CHECK (status IN ('requested', 'confirmed', 'cancelled', 'rejected')),
  -- a sub-venue booking made by the draw: its venue is sealed from the main venue until the start
  sealed           boolean NOT NULL DEFAULT false,
  filed_by         text NOT NULL,
  filed_at         timestamptz NOT NULL DEFAULT now(),
  tender_notice_at timestamptz,
  confirm_by       date NOT NULL,
  confirmed_at     timestamptz,
  confirmed_by     text,
  closed_at        timestamptz,
  close_reason     text,
  CHECK (NOT isempty(slot))
);
CREATE INDEX bookings_request ON bookings (request_id);
CREATE INDEX bookings_venue ON bookings (venue_id, lower(slot));

-- No double booking, enforced by the database. With btree_gist (PostgreSQL): an exclusion
-- constraint on (workstation_id, slot) over active rows. Without it (PGlite ships btree_gist
-- only as a separately loaded bundle): a trigger claims 15-minute granules in a table with a
-- primary key, so two active bookings of one workstation can never share a granule.
CREATE TABLE booking_slot_claims (
  workstation_id text NOT NULL,
  granule        timestamptz NOT NULL,
  booking_id     text NOT NULL,
  PRIMARY KEY (workstation_id, granule)
);

DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'btree_gist') THEN
    CREATE EXTENSION IF NOT EXISTS btree_gist;
    ALTER TABLE bookings ADD CONSTRAINT bookings_no_overlap
      EXCLUDE USING gist (workstation_id WITH =, slot WITH &&) WHERE (status IN ('requested', 'confirmed'));
  ELSE
    CREATE FUNCTION bookings_claim_slots() RETURNS trigger LANGUAGE plpgsql AS $f$
    BEGIN
      IF TG_OP = 'UPDATE' THEN
        DELETE FROM booking_slot_claims WHERE booking_id = OLD.id;
      END IF;
      IF NEW.status IN ('requested', 'confirmed') THEN
        INSERT INTO booking_slot_claims (workstation_id, granule, booking_id)
        SELECT NEW.workstation_id, g, NEW.id
        FROM generate_series(
          to_timestamp(floor(extract(epoch FROM lower(NEW.slot)) / 900) * 900),
          upper(NEW.slot) - interval '1 microsecond',
          interval '15 minutes') AS g;
      END IF;
      RETURN NEW;
    END $f$;
    CREATE TRIGGER bookings_claim_slots AFTER INSERT OR UPDATE OF status, slot, workstation_id ON bookings
      FOR EACH ROW EXECUTE FUNCTION bookings_claim_slots();
  END IF;
END $$;

-- Every refused booking attempt with its reason.
CREATE TABLE booking_refusals (
  id             bigserial PRIMARY KEY,
  at             timestamptz NOT NULL DEFAULT now(),
  actor          text NOT NULL,
  project_code   text NOT NULL,
  workstation_id text,
  slot           tstzrange,
  code           text NOT NULL,
  rule           text NOT NULL,
  reason         text NOT NULL
);

-- L14: change requests (≥ 5 days before), checked by the venue within 1 working day.
CREATE TABLE booking_changes (
  id             text PRIMARY KEY,
  request_id     text NOT NULL,
  requested_by   text NOT NULL,
  requested_at   timestamptz NOT NULL DEFAULT now(),
  new_slot       tstzrange NOT NULL,
  reason         text NOT NULL,
  check_by       date NOT NULL,
  status         text NOT NULL CHECK (status IN ('pending', 'approved', 'refused')),
  decided_by     text,
  decided_at     timestamptz,
  decision_note  text
);

-- Sub-venue draws. The seed stays secret until revealed after the session starts.
CREATE TABLE draws (
  id            text PRIMARY KEY,
  session_id    text NOT NULL REFERENCES sessions(id),
  main_venue_id text NOT NULL REFERENCES venues(id),
  kind          text NOT NULL DEFAULT 'initial' CHECK (kind IN ('initial', 'supplementary')),
  commitment    text NOT NULL,
  input_digest  text NOT NULL,
  seed_hex      text NOT NULL,
  eligible      jsonb NOT NULL,
  params        jsonb NOT NULL,
  assignments   jsonb NOT NULL,
  created_by    text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  revealed_at   timestamptz
);
CREATE INDEX draws_session ON draws (session_id);

-- Every lifecycle transition: who, when, why.
CREATE TABLE session_transitions (
  id          bigserial PRIMARY KEY,
  session_id  text NOT NULL REFERENCES sessions(id),
  action      text NOT NULL,
  from_status text NOT NULL,
  to_status   text NOT NULL,
  actor       text NOT NULL,
  actor_role  text NOT NULL,
  reason      text NOT NULL,
  clause      text NOT NULL,
  emergency   boolean NOT NULL,
  effects     jsonb NOT NULL,
  at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX session_transitions_session ON session_transitions (session_id, id);

-- LS5.5.7 results of finished projects (pushed after all lots finish); feeds the monthly
-- dispatch report (J6). Amounts in yuan.
CREATE TABLE evaluation_results (
  project_code     text PRIMARY KEY,
  project_name     text NOT NULL,
  main_venue_id    text NOT NULL REFERENCES venues(id),
  remote           boolean NOT NULL,
  lots             integer NOT NULL CHECK (lots > 0),
  budget_yuan      bigint NOT NULL CHECK (budget_yuan >= 0),
  award_yuan       bigint NOT NULL CHECK (award_yuan >= 0),
  evaluated_on     date NOT NULL,
  -- [{ "venueId": "...", "experts": 3 }]
  sub_venues       jsonb NOT NULL DEFAULT '[]',
  recorded_by      text NOT NULL,
  recorded_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX evaluation_results_month ON evaluation_results (evaluated_on);

-- Outgoing webhooks to the provincial coordination platform (LS5.5.2/3/4/7/8).
CREATE TABLE webhook_subscriptions (
  id         text PRIMARY KEY,
  url        text NOT NULL,
  secret     text NOT NULL,
  events     text[] NOT NULL,
  active     boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE webhook_deliveries (
  id              text PRIMARY KEY,
  subscription_id text NOT NULL REFERENCES webhook_subscriptions(id),
  event           text NOT NULL,
  payload         jsonb NOT NULL,
  status          text NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts        integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  last_status     integer,
  last_error      text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  delivered_at    timestamptz
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
