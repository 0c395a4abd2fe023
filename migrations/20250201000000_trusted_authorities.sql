-- The certification authorities the ward trusts (empty at first; the officer adds them), and
-- the fingerprints of the certificates the ward keeps, so that verifying a signature can tell
-- the ward's own internal certificates from a stranger's that merely claims to be one.

-- One row per trusted authority. The id is derived from the fingerprint, so two laptops that
-- add the same authority hold one row.
CREATE TABLE trusted_authorities (
    id          TEXT PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL,          -- the authority's name, as shown
    subject     TEXT NOT NULL,          -- its full distinguished name
    fingerprint TEXT NOT NULL UNIQUE,   -- SHA-256 of the DER, lowercase hex; serves "is it already listed"
    not_after   TEXT NOT NULL,
    certificate TEXT NOT NULL,          -- the certificate itself, PEM (base64 text)
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL, device_id TEXT NOT NULL,
    row_version INTEGER NOT NULL DEFAULT 1, deleted_at TEXT
) STRICT;

-- SHA-256 of the kept certificate (lowercase hex); null for one kept before this column, until
-- it is next opened for signing.
ALTER TABLE certificates ADD COLUMN fingerprint TEXT;
