-- Reminder letters (công văn đôn đốc): a new kind of document, addressed to one unit.
--
-- SQLite cannot widen a CHECK in place, so the documents table is rebuilt: create the new
-- table, copy every row, drop the old one, rename the new one. This runs inside the
-- migration's transaction with foreign keys on (PRAGMA foreign_keys cannot change inside a
-- transaction). It is safe because:
-- - no other table references documents (id); its only reference is its own source_id;
-- - the new table's source_id references the new table itself, so while the old table is
--   dropped (an implicit DELETE of its rows) no row anywhere points into it;
-- - the rename rewrites every reference to documents_new, the table's own included, into
--   documents (legacy_alter_table is off);
-- - the copy is one statement, and immediate foreign keys are checked at its end, so a
--   delivery list copied before the document it delivers is no violation.
CREATE TABLE documents_new (
    id          TEXT PRIMARY KEY NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('plan', 'report', 'progress', 'delivery', 'reminder')),
    plan_id     TEXT REFERENCES plans (id),
    period      TEXT CHECK (period IN ('half', 'year')),   -- reports only
    source_id   TEXT REFERENCES documents_new (id),       -- delivery lists: the document delivered
    unit_id     TEXT REFERENCES units (id),               -- reminder letters: the unit addressed
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

INSERT INTO documents_new (
    id, kind, plan_id, period, source_id, year, number, symbol, issued_on, summary,
    signer_prefix, signer_title, signer_name, recipients, narrative, status, file_id, sha256,
    signed_by, signed_at, created_at, updated_at, device_id, row_version, deleted_at
)
SELECT
    id, kind, plan_id, period, source_id, year, number, symbol, issued_on, summary,
    signer_prefix, signer_title, signer_name, recipients, narrative, status, file_id, sha256,
    signed_by, signed_at, created_at, updated_at, device_id, row_version, deleted_at
FROM documents;

DROP TABLE documents;
ALTER TABLE documents_new RENAME TO documents;

-- The indexes went with the old table; the same ones again.
-- Numbers are unique in the year of the issuing body (Decree 30, Art. 15): next number is
-- MAX(number) WHERE year = ?.
CREATE UNIQUE INDEX documents_number ON documents (year, number) WHERE number IS NOT NULL;
-- The register lists a year's documents: WHERE year = ? ORDER BY number.
CREATE INDEX documents_by_year ON documents (year, status);
-- A unit's page lists the letters sent to it: WHERE unit_id = ?.
CREATE INDEX documents_by_unit ON documents (unit_id) WHERE unit_id IS NOT NULL;
