-- The change log becomes the truth: each entry carries the row version it produced and a
-- hybrid logical clock that orders entries across laptops without trusting their clocks.
-- Entries logged before this migration have row_version 0 and an empty clock.
ALTER TABLE change_log ADD COLUMN row_version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE change_log ADD COLUMN hlc TEXT NOT NULL DEFAULT '';
-- Replay and sync read the log in clock order: ORDER BY hlc; the next clock reads MAX(hlc).
CREATE INDEX change_log_by_hlc ON change_log (hlc);

-- The laptop that numbers and issues the ward's documents (the ward office's); others draft.
-- It travels with the ward's row, so every laptop agrees on the one that numbers.
ALTER TABLE ward ADD COLUMN issuing_device_id TEXT;
