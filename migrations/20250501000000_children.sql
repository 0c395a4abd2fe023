-- The register of children: a child's record, their groups of special circumstances with
-- dates (so the register answers "who was in group d on 30/6/2024"), and the consents to keep
-- their data (Decree 13/2023: the guardian's, and the child's own from age 7).

CREATE TABLE children (
    id             TEXT PRIMARY KEY NOT NULL,
    full_name      TEXT NOT NULL,                 -- "Nguyễn Văn Đức", as people write it (NFC)
    birth_date     TEXT,                          -- YYYY-MM-DD when the day is known
    birth_year     INTEGER NOT NULL,              -- the year, known or estimated
    sex            TEXT NOT NULL CHECK (sex IN ('male', 'female')),
    id_number      TEXT,                          -- personal ID, 12 digits; none for many young children
    group_unit_id  TEXT REFERENCES units (id),    -- the residential group
    address        TEXT NOT NULL DEFAULT '',
    guardians      TEXT NOT NULL DEFAULT '[]',    -- JSON list of {name, relation, phone}
    school         TEXT NOT NULL DEFAULT '',
    class_name     TEXT NOT NULL DEFAULT '',
    household      TEXT NOT NULL DEFAULT 'none' CHECK (household IN ('poor', 'near_poor', 'none')),
    disability     TEXT NOT NULL DEFAULT '',      -- what disability, in words; '' for none
    notes          TEXT NOT NULL DEFAULT '',      -- not shown to collaborators
    removed_reason TEXT,                          -- why the record was removed (tombstone)
    merged_into    TEXT REFERENCES children (id), -- the record it was merged into
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL, device_id TEXT NOT NULL,
    row_version INTEGER NOT NULL DEFAULT 1, deleted_at TEXT
) STRICT;
-- Duplicate warnings: the same personal ID.
CREATE INDEX children_by_id_number ON children (id_number) WHERE id_number IS NOT NULL AND deleted_at IS NULL;

-- A child's membership of one of the 14 groups of Art. 10(1) of the Law on Children, by its
-- clause letter (a … o, no f or j), over a span of days.
CREATE TABLE child_circumstances (
    id          TEXT PRIMARY KEY NOT NULL,
    child_id    TEXT NOT NULL REFERENCES children (id),
    code        TEXT NOT NULL CHECK (code IN ('a', 'b', 'c', 'd', 'đ', 'e', 'g', 'h', 'i', 'k', 'l', 'm', 'n', 'o')),
    subgroup    TEXT,                              -- Decree 56's sub-group, where it gives them
    start_date  TEXT NOT NULL,
    end_date    TEXT,                              -- open while it lasts
    note        TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL, device_id TEXT NOT NULL,
    row_version INTEGER NOT NULL DEFAULT 1, deleted_at TEXT
) STRICT;
-- A child's page lists their groups.
CREATE INDEX child_circumstances_by_child ON child_circumstances (child_id);

-- Consent to keep and use a child's data.
CREATE TABLE child_consents (
    id          TEXT PRIMARY KEY NOT NULL,
    child_id    TEXT NOT NULL REFERENCES children (id),
    given_by    TEXT NOT NULL CHECK (given_by IN ('guardian', 'child')),
    giver_name  TEXT NOT NULL,
    given_on    TEXT NOT NULL,
    purpose     TEXT NOT NULL,
    recorded_by TEXT NOT NULL,                     -- the account that wrote it down
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL, device_id TEXT NOT NULL,
    row_version INTEGER NOT NULL DEFAULT 1, deleted_at TEXT
) STRICT;
-- A child's page lists their consents.
CREATE INDEX child_consents_by_child ON child_consents (child_id);

-- The search index in memory is rebuilt when this number moves; triggers move it on any
-- write, whoever makes it (the window, the command line, a sync), so no writer can forget.
INSERT INTO meta (key, value) VALUES ('children_generation', '0') ON CONFLICT (key) DO NOTHING;
CREATE TRIGGER children_generation_insert AFTER INSERT ON children
    BEGIN UPDATE meta SET value = value + 1 WHERE key = 'children_generation'; END;
CREATE TRIGGER children_generation_update AFTER UPDATE ON children
    BEGIN UPDATE meta SET value = value + 1 WHERE key = 'children_generation'; END;
CREATE TRIGGER circumstances_generation_insert AFTER INSERT ON child_circumstances
    BEGIN UPDATE meta SET value = value + 1 WHERE key = 'children_generation'; END;
CREATE TRIGGER circumstances_generation_update AFTER UPDATE ON child_circumstances
    BEGIN UPDATE meta SET value = value + 1 WHERE key = 'children_generation'; END;
-- A residential group renamed changes what search finds under its name.
CREATE TRIGGER units_generation_update AFTER UPDATE OF name ON units
    BEGIN UPDATE meta SET value = value + 1 WHERE key = 'children_generation'; END;
