-- Users and roles; the change log becomes the audit trail: who (by id) did what, events
-- (logins, locks, exports, views of a sensitive record) beside the writes, and one hash chain
-- per device so that an altered or removed entry is found.

-- The ward's accounts. Passwords live in the key ring beside the database (each user's slot
-- wraps the master key), never here.
CREATE TABLE users (
    id            TEXT PRIMARY KEY NOT NULL,
    login         TEXT NOT NULL,        -- folded: lower case, no tone marks, đ → d
    name          TEXT NOT NULL,        -- "Nguyễn Thị Hoa"
    role          TEXT NOT NULL CHECK (role IN ('officer', 'leader', 'collaborator', 'viewer')),
    group_unit_id TEXT REFERENCES units (id),  -- a collaborator's residential group
    disabled_at   TEXT,
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL, device_id TEXT NOT NULL,
    row_version INTEGER NOT NULL DEFAULT 1, deleted_at TEXT
) STRICT;
CREATE UNIQUE INDEX users_by_login ON users (login) WHERE deleted_at IS NULL;

-- SQLite cannot widen a CHECK: the log is rebuilt with the same rows.
CREATE TABLE change_log_audit (
    device_id   TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    table_name  TEXT NOT NULL,
    record_id   TEXT NOT NULL,
    op          TEXT NOT NULL CHECK (op IN ('insert', 'update', 'delete', 'event')),
    changes     TEXT NOT NULL,
    user_name   TEXT NOT NULL,
    source      TEXT NOT NULL,
    at          TEXT NOT NULL,
    row_version INTEGER NOT NULL DEFAULT 0,
    hlc         TEXT NOT NULL DEFAULT '',
    user_id     TEXT NOT NULL DEFAULT '',  -- '' before accounts existed
    event       TEXT,                      -- op = 'event': login, login_failed, lock, export, view
    prev_hash   TEXT NOT NULL DEFAULT '',  -- the hash of this device's previous entry
    hash        TEXT NOT NULL DEFAULT '',  -- SHA-256 of this entry with prev_hash; '' until chained
    PRIMARY KEY (device_id, seq)
) STRICT;
INSERT INTO change_log_audit (device_id, seq, table_name, record_id, op, changes, user_name, source, at, row_version, hlc)
    SELECT device_id, seq, table_name, record_id, op, changes, user_name, source, at, row_version, hlc FROM change_log;
DROP TABLE change_log;
ALTER TABLE change_log_audit RENAME TO change_log;
CREATE INDEX change_log_by_record ON change_log (table_name, record_id);
CREATE INDEX change_log_by_hlc ON change_log (hlc);
CREATE INDEX change_log_by_user ON change_log (user_id, at);

-- Minutes without use before the window locks itself.
ALTER TABLE ward ADD COLUMN lock_minutes INTEGER NOT NULL DEFAULT 10;
