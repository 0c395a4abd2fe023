-- Bold and italic stretches of a plan's text (written **…** and *…* in the source), as JSON
-- [{"start": 10, "end": 42, "bold": true}] in character offsets, so a printed copy keeps them.
ALTER TABLE plan_nodes ADD COLUMN emphasis TEXT NOT NULL DEFAULT '[]';
