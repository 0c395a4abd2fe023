-- When the witness made the file that reported each kept head (its clock, milliseconds): a file
-- made before it, delivered late, may say less without saying that history was cut.
ALTER TABLE witnessed_heads ADD COLUMN made INTEGER NOT NULL DEFAULT 0;
