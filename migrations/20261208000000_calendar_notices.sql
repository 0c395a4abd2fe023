-- The notice a year's days off follow (the Government Office's letter conveying the Prime
-- Minister's decision, or a ministry's announcement), as the officer enters it once the year's
-- days are set to it: a year with one is no longer "dự kiến". The years built into the app carry
-- their own (src/calendar/mod.rs); the ward's, for the same year, is shown instead. The id is
-- derived from the year, so two laptops entering one year's notice change one record.
CREATE TABLE calendar_notices (
    id          TEXT PRIMARY KEY NOT NULL,
    year        INTEGER NOT NULL,
    notice      TEXT NOT NULL,
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL, device_id TEXT NOT NULL,
    row_version INTEGER NOT NULL DEFAULT 1, deleted_at TEXT
) STRICT;
