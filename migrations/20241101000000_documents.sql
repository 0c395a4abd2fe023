-- Outgoing documents and their register (sổ đăng ký văn bản đi), and signing certificates.

-- One row per document, draft or issued. An issued document is frozen: its PDF (in files) and
-- hash are kept, and it reprints from them.
CREATE TABLE documents (
    id          TEXT PRIMARY KEY NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('plan', 'report', 'progress', 'delivery')),
    plan_id     TEXT REFERENCES plans (id),
    period      TEXT CHECK (period IN ('half', 'year')),   -- reports only
    source_id   TEXT REFERENCES documents (id),           -- delivery lists: the document delivered
    year        INTEGER NOT NULL,
    number      INTEGER,                                  -- given by the register on issuing
    symbol      TEXT NOT NULL,
    issued_on   TEXT,
    summary     TEXT NOT NULL,
    signer_prefix TEXT NOT NULL,
    signer_title  TEXT NOT NULL,
    signer_name   TEXT NOT NULL,
    recipients  TEXT NOT NULL,                            -- JSON array
    narrative   TEXT NOT NULL,                            -- JSON object of the officer's sections
    status      TEXT NOT NULL CHECK (status IN ('draft', 'issued')),
    file_id     TEXT REFERENCES files (id),
    sha256      TEXT,
    signed_by   TEXT,
    signed_at   TEXT,
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL, device_id TEXT NOT NULL,
    row_version INTEGER NOT NULL DEFAULT 1, deleted_at TEXT
) STRICT;
-- Numbers are unique in the year of the issuing body (Decree 30, Art. 15): next number is
-- MAX(number) WHERE year = ?.
CREATE UNIQUE INDEX documents_number ON documents (year, number) WHERE number IS NOT NULL;
-- The register lists a year's documents: WHERE year = ? ORDER BY number.
CREATE INDEX documents_by_year ON documents (year, status);

-- Certificates a signer has imported (the .p12 is kept in files; its password never is).
CREATE TABLE certificates (
    id         TEXT PRIMARY KEY NOT NULL,
    signer     TEXT NOT NULL,          -- the name in the certificate
    subject    TEXT NOT NULL,
    not_after  TEXT NOT NULL,
    internal   INTEGER NOT NULL CHECK (internal IN (0, 1)),  -- made by the ward for internal use
    file_id    TEXT NOT NULL REFERENCES files (id),
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL, device_id TEXT NOT NULL,
    row_version INTEGER NOT NULL DEFAULT 1, deleted_at TEXT
) STRICT;
