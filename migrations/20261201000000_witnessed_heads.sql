-- Witnesses of history: the last entry of each device's log that another laptop said it held,
-- in the signed sync files it sent here. History this laptop holds that another laptop has
-- received, and that has changed since, breaks the audit check. Local bookkeeping, not synced:
-- kept only from files whose heads agreed with this laptop's log when they came.
CREATE TABLE witnessed_heads (
    witness_id  TEXT NOT NULL,               -- the laptop that sent the file
    device_id   TEXT NOT NULL,               -- whose log
    seq         INTEGER NOT NULL,            -- the last entry the witness held of it
    hash        TEXT NOT NULL,               -- that entry's hash
    received_at TEXT NOT NULL,
    PRIMARY KEY (witness_id, device_id)
) STRICT;
