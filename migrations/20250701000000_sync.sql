-- Laptops of one ward exchanging their change logs by file: the devices and their signing keys,
-- the conflicts a merge keeps for the officer, and what this laptop knows of its peers.

-- The ward's laptops. A synced record: each laptop learns the others' public keys from it.
CREATE TABLE devices (
    id          TEXT PRIMARY KEY NOT NULL,   -- the laptop's device id in the change log
    name        TEXT NOT NULL,               -- "Máy văn phòng", "Máy tổ dân phố 3"
    user_id     TEXT REFERENCES users (id),  -- the account the laptop was joined for; NULL: the office's own
    public_key  TEXT NOT NULL,               -- Ed25519, hex: checks the sync files it signs
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL, device_id TEXT NOT NULL,
    row_version INTEGER NOT NULL DEFAULT 1, deleted_at TEXT
) STRICT;

-- A value a merge did not keep: two laptops changed one field since they last met (or one
-- edited what the other deleted). The kept value won by the change log's clock on every laptop
-- alike; the officer may choose the other. A synced record whose id comes from the two entries,
-- so two laptops finding the same conflict keep one.
CREATE TABLE sync_conflicts (
    id           TEXT PRIMARY KEY NOT NULL,
    table_name   TEXT NOT NULL,
    record_id    TEXT NOT NULL,
    column_name  TEXT NOT NULL,              -- 'deleted_at' for an edit against a deletion
    kind         TEXT NOT NULL CHECK (kind IN ('field', 'deleted')),
    kept_value   TEXT,                       -- JSON of the value kept
    kept_device  TEXT NOT NULL,
    kept_hlc     TEXT NOT NULL,
    other_value  TEXT,                       -- JSON of the value not kept
    other_device TEXT NOT NULL,
    other_hlc    TEXT NOT NULL,
    resolved_at  TEXT,
    resolved_by  TEXT,
    chosen       TEXT CHECK (chosen IN ('kept', 'other')),
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL, device_id TEXT NOT NULL,
    row_version INTEGER NOT NULL DEFAULT 1, deleted_at TEXT
) STRICT;
-- The conflicts page: open ones first, WHERE resolved_at IS NULL.
CREATE INDEX sync_conflicts_open ON sync_conflicts (resolved_at, created_at);

-- What each peer holds of each device's log: `known`, as it said in the last file it sent
-- (a file for it carries the entries past that, so a file lost on the way costs nothing);
-- `sent`, as far as files made here for it reached (what the devices page counts as waiting).
-- Local bookkeeping, not synced.
CREATE TABLE sync_peer_state (
    peer_id   TEXT NOT NULL,
    device_id TEXT NOT NULL,
    known     INTEGER NOT NULL DEFAULT 0,
    sent      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (peer_id, device_id)
) STRICT;

-- When this laptop last received a file from each peer, and last made one for it.
CREATE TABLE sync_peers (
    peer_id          TEXT PRIMARY KEY NOT NULL,
    last_received_at TEXT,
    last_sent_at     TEXT
) STRICT;

-- Entries of other laptops that this laptop may not read in full (a collaborator's): a whole
-- entry withheld leaves its hash here, an entry given without some columns is marked, so the
-- other laptops' chains stay checkable. Local bookkeeping, not synced.
CREATE TABLE withheld_entries (
    device_id       TEXT NOT NULL,
    seq             INTEGER NOT NULL,
    hash            TEXT NOT NULL,
    columns_removed INTEGER NOT NULL CHECK (columns_removed IN (0, 1)),  -- 0: the entry is not here
    PRIMARY KEY (device_id, seq)
) STRICT;
