-- Outbox cursors of the platform pushes (LS5.5.4 completed projects, 5.5.8 sign-ins): each
-- push scans its source table from the last position it delivered.
CREATE TABLE platform_cursors (
  name text PRIMARY KEY,
  at   timestamptz NOT NULL
);
