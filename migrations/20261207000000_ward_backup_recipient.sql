-- The public key of the ward's recovery code, to which every laptop seals its key in its
-- backups: kept with the ward, so that a new code made at the office reaches every laptop with
-- its next sync file (a laptop keeps the one it was set up or joined with in `meta` until then).
ALTER TABLE ward ADD COLUMN backup_recipient TEXT;
