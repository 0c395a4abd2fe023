-- The images Annex I of Decree 30 puts on electronically signed documents: the body's seal
-- (red, real size) and each signer's handwritten signature (blue, transparent PNG).
ALTER TABLE ward ADD COLUMN seal_file_id TEXT REFERENCES files (id);
ALTER TABLE signers ADD COLUMN signature_file_id TEXT REFERENCES files (id);
