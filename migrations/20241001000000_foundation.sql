-- The foundation: the change log, the ward, its units and signers, the plan and its reporting.
-- Every user record carries: id (UUID v7 text), created_at, updated_at (UTC RFC 3339),
-- device_id (the laptop that last changed it), row_version, deleted_at (tombstone).

-- Facts about this database file: its device id, who uses it.
CREATE TABLE meta (
    key   TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
) STRICT;

-- The one change log: audit trail, record history and what sync sends.
CREATE TABLE change_log (
    device_id  TEXT NOT NULL,
    seq        INTEGER NOT NULL,
    table_name TEXT NOT NULL,
    record_id  TEXT NOT NULL,
    op         TEXT NOT NULL CHECK (op IN ('insert', 'update', 'delete')),
    changes    TEXT NOT NULL,          -- JSON: {"field": [old, new], ...}
    user_name  TEXT NOT NULL,
    source     TEXT NOT NULL,          -- window | import | cli | sync
    at         TEXT NOT NULL,
    PRIMARY KEY (device_id, seq)       -- replaying a sync file is idempotent on this key
) STRICT;
-- A record's history page: WHERE table_name = ? AND record_id = ? ORDER BY at.
CREATE INDEX change_log_by_record ON change_log (table_name, record_id);

CREATE TABLE ward (
    id               TEXT PRIMARY KEY NOT NULL,
    name             TEXT NOT NULL,    -- "Phường Nguyễn Nghiêm"
    parent_authority TEXT NOT NULL,    -- "Thành phố Quảng Ngãi"
    place_name       TEXT NOT NULL,    -- for the date line: "Phường Nguyễn Nghiêm"
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL, device_id TEXT NOT NULL,
    row_version INTEGER NOT NULL DEFAULT 1, deleted_at TEXT
) STRICT;

-- Units taking part: offices, schools, mass organisations and the residential groups.
CREATE TABLE units (
    id       TEXT PRIMARY KEY NOT NULL,
    name     TEXT NOT NULL,
    kind     TEXT NOT NULL CHECK (kind IN ('agency', 'residential_group')),
    position INTEGER NOT NULL,
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL, device_id TEXT NOT NULL,
    row_version INTEGER NOT NULL DEFAULT 1, deleted_at TEXT
) STRICT;
-- Import matches units by name: WHERE name = ? AND deleted_at IS NULL.
CREATE INDEX units_by_name ON units (name);

CREATE TABLE signers (
    id        TEXT PRIMARY KEY NOT NULL,
    full_name TEXT NOT NULL,
    title     TEXT NOT NULL,           -- "Chủ tịch", "Phó Chủ tịch"
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL, device_id TEXT NOT NULL,
    row_version INTEGER NOT NULL DEFAULT 1, deleted_at TEXT
) STRICT;

CREATE TABLE plans (
    id          TEXT PRIMARY KEY NOT NULL,
    year        INTEGER NOT NULL,
    number      INTEGER,               -- NULL until the register gives one
    symbol      TEXT NOT NULL,         -- "KH-UBND"
    issued_on   TEXT,
    title       TEXT NOT NULL,
    preamble    TEXT NOT NULL,         -- "Thực hiện Kế hoạch số 90/KH-UBND ..." paragraph(s)
    legal_bases TEXT NOT NULL,         -- JSON array of "Căn cứ ..." lines
    closing     TEXT NOT NULL,         -- "Trên đây là Kế hoạch ..." paragraph
    recipients  TEXT NOT NULL,         -- JSON array of "Nơi nhận" lines
    signer_prefix TEXT NOT NULL,       -- "KT. CHỦ TỊCH"
    signer_title  TEXT NOT NULL,       -- "PHÓ CHỦ TỊCH"
    signer_name   TEXT NOT NULL,
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL, device_id TEXT NOT NULL,
    row_version INTEGER NOT NULL DEFAULT 1, deleted_at TEXT
) STRICT;

-- The plan's content as a tree: parts (I.), items (1.), sub-items (a.), unit entries of part IV
-- and their tasks, and plain paragraphs.
CREATE TABLE plan_nodes (
    id        TEXT PRIMARY KEY NOT NULL,
    plan_id   TEXT NOT NULL REFERENCES plans (id),
    parent_id TEXT REFERENCES plan_nodes (id),
    position  INTEGER NOT NULL,
    kind      TEXT NOT NULL CHECK (kind IN ('part', 'item', 'sub_item', 'unit_entry', 'task', 'paragraph')),
    label     TEXT NOT NULL,           -- "II", "4", "đ", "" for paragraphs and tasks
    text      TEXT NOT NULL,
    is_activity INTEGER NOT NULL CHECK (is_activity IN (0, 1)),
    period    TEXT NOT NULL CHECK (period IN ('whole_year', 'action_month', 'summer', 'mid_autumn', 'custom')),
    starts_on TEXT NOT NULL,
    ends_on   TEXT NOT NULL,
    unit_id   TEXT REFERENCES units (id),  -- the unit a part IV entry names
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL, device_id TEXT NOT NULL,
    row_version INTEGER NOT NULL DEFAULT 1, deleted_at TEXT
) STRICT;
-- The tree of one plan in order: WHERE plan_id = ? ORDER BY position.
CREATE INDEX plan_nodes_by_plan ON plan_nodes (plan_id, position);

-- Which units carry out an activity, and how far each has got.
CREATE TABLE assignments (
    id       TEXT PRIMARY KEY NOT NULL,
    node_id  TEXT NOT NULL REFERENCES plan_nodes (id),
    unit_id  TEXT NOT NULL REFERENCES units (id),
    role     TEXT NOT NULL CHECK (role IN ('lead', 'coordinating')),
    status   TEXT NOT NULL CHECK (status IN ('not_started', 'in_progress', 'done', 'not_applicable')),
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL, device_id TEXT NOT NULL,
    row_version INTEGER NOT NULL DEFAULT 1, deleted_at TEXT,
    UNIQUE (node_id, unit_id)
) STRICT;
-- Progress by unit and the unit filter: WHERE unit_id = ?.
CREATE INDEX assignments_by_unit ON assignments (unit_id);

CREATE TABLE progress_notes (
    id            TEXT PRIMARY KEY NOT NULL,
    assignment_id TEXT NOT NULL REFERENCES assignments (id),
    noted_on      TEXT NOT NULL,
    text          TEXT NOT NULL,
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL, device_id TEXT NOT NULL,
    row_version INTEGER NOT NULL DEFAULT 1, deleted_at TEXT
) STRICT;
-- An activity page lists notes: WHERE assignment_id = ? ORDER BY noted_on.
CREATE INDEX progress_notes_by_assignment ON progress_notes (assignment_id, noted_on);

-- Files kept in the app's data folder (evidence, received reports), addressed by their hash.
CREATE TABLE files (
    id          TEXT PRIMARY KEY NOT NULL,
    file_name   TEXT NOT NULL,         -- the name the user gave it
    stored_path TEXT NOT NULL,         -- relative to the data folder
    sha256      TEXT NOT NULL,
    size_bytes  INTEGER NOT NULL,
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL, device_id TEXT NOT NULL,
    row_version INTEGER NOT NULL DEFAULT 1, deleted_at TEXT
) STRICT;

CREATE TABLE evidence (
    id            TEXT PRIMARY KEY NOT NULL,
    assignment_id TEXT NOT NULL REFERENCES assignments (id),
    file_id       TEXT NOT NULL REFERENCES files (id),
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL, device_id TEXT NOT NULL,
    row_version INTEGER NOT NULL DEFAULT 1, deleted_at TEXT
) STRICT;
-- An activity page lists evidence: WHERE assignment_id = ?.
CREATE INDEX evidence_by_assignment ON evidence (assignment_id);

-- The reports units owe the ward: 6-monthly and yearly, due dates from the plan.
CREATE TABLE report_deadlines (
    id      TEXT PRIMARY KEY NOT NULL,
    plan_id TEXT NOT NULL REFERENCES plans (id),
    period  TEXT NOT NULL CHECK (period IN ('half', 'year')),
    due_on  TEXT NOT NULL,
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL, device_id TEXT NOT NULL,
    row_version INTEGER NOT NULL DEFAULT 1, deleted_at TEXT,
    UNIQUE (plan_id, period)
) STRICT;

CREATE TABLE unit_reports (
    id          TEXT PRIMARY KEY NOT NULL,
    deadline_id TEXT NOT NULL REFERENCES report_deadlines (id),
    unit_id     TEXT NOT NULL REFERENCES units (id),
    received_on TEXT NOT NULL,
    file_id     TEXT REFERENCES files (id),
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL, device_id TEXT NOT NULL,
    row_version INTEGER NOT NULL DEFAULT 1, deleted_at TEXT,
    UNIQUE (deadline_id, unit_id)
) STRICT;
