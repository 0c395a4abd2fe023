-- Commendations (Law 06/2022 on emulation and commendation, Art. 80(3)): the organisations and
-- people proposed for the Chairman's Giấy khen, with their achievements, the review, and the
-- decision (a numbered document of the register) that awards them.

CREATE TABLE nominations (
    id           TEXT PRIMARY KEY NOT NULL,
    year         INTEGER NOT NULL,                      -- the year whose work is commended
    nominee_kind TEXT NOT NULL CHECK (nominee_kind IN ('organisation', 'person')),
    name         TEXT NOT NULL,                         -- "Hội Liên hiệp Phụ nữ phường", "Bà Nguyễn Thị Hoa"
    unit_id      TEXT REFERENCES units (id),            -- the ward's unit it is (an organisation) or works in (a person)
    position     TEXT NOT NULL DEFAULT '',              -- a person's post and place: "Chi hội trưởng Phụ nữ Tổ dân phố 2"
    achievements TEXT NOT NULL,
    node_id      TEXT REFERENCES plan_nodes (id),       -- the plan's activity the work was for, if any
    campaign_id  TEXT REFERENCES campaigns (id),        -- or the campaign
    status       TEXT NOT NULL CHECK (status IN ('proposed', 'approved', 'rejected')),
    review_note  TEXT NOT NULL DEFAULT '',
    document_id  TEXT REFERENCES documents (id),        -- the decision that awards it
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL, device_id TEXT NOT NULL,
    row_version INTEGER NOT NULL DEFAULT 1, deleted_at TEXT
) STRICT;
-- A year's list: WHERE year = ?.
CREATE INDEX nominations_by_year ON nominations (year);
-- A decision's attached list: WHERE document_id = ?.
CREATE INDEX nominations_by_document ON nominations (document_id) WHERE document_id IS NOT NULL;

-- Where each field of the Giấy khen goes on the ward's pre-printed blanks, in millimetres from
-- the top left of an A4 landscape sheet: one record per ward (its id derived from the name
-- "certificate_layout"), set once and shared by every laptop.
CREATE TABLE certificate_layouts (
    id         TEXT PRIMARY KEY NOT NULL,
    positions  TEXT NOT NULL,                           -- JSON {field: {x, y, size}}
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL, device_id TEXT NOT NULL,
    row_version INTEGER NOT NULL DEFAULT 1, deleted_at TEXT
) STRICT;
