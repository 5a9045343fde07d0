-- Client certificates issued by the appliance CA (cloud/src/ca). The private key never leaves the
-- appliance; the cloud keeps what it signed, so a certificate can be looked up and revoked.
CREATE TABLE appliance_certificates (
  serial             text PRIMARY KEY,            -- hex, as in the certificate
  appliance_id       text NOT NULL REFERENCES appliances(id),
  fingerprint_sha256 text NOT NULL UNIQUE,        -- hex SHA-256 of the DER certificate
  public_key_sha256  text NOT NULL,               -- hex SHA-256 of the DER SubjectPublicKeyInfo
  not_before         timestamptz NOT NULL,
  not_after          timestamptz NOT NULL,
  issued_at          timestamptz NOT NULL DEFAULT now(),
  issued_by          text NOT NULL,               -- audit actor (role:tokenId)
  certificate_pem    text NOT NULL,
  revoked_at         timestamptz,
  revoked_by         text,
  revoke_reason      text,
  CHECK (not_after > not_before),
  CHECK ((revoked_at IS NULL) = (revoked_by IS NULL))
);
CREATE INDEX appliance_certificates_by_appliance ON appliance_certificates (appliance_id, issued_at DESC);
CREATE INDEX appliance_certificates_by_key ON appliance_certificates (public_key_sha256);
