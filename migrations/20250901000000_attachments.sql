-- The documents sent with a document (văn bản kèm theo, Decree 30/2020 Annex I): PDFs the
-- officer adds to a draft. At issuing each is stamped at the top right of its first page with
-- the number, symbol and signing time, and signed with the document; the original is kept.

CREATE TABLE document_attachments (
    id             TEXT PRIMARY KEY NOT NULL,
    document_id    TEXT NOT NULL REFERENCES documents (id),
    position       INTEGER NOT NULL,                   -- the order they are listed in
    title          TEXT NOT NULL,                      -- "Phụ lục: Danh sách trẻ em được tặng quà"
    file_id        TEXT NOT NULL REFERENCES files (id),
    issued_file_id TEXT REFERENCES files (id),         -- stamped (and signed), once issued
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL, device_id TEXT NOT NULL,
    row_version INTEGER NOT NULL DEFAULT 1, deleted_at TEXT
) STRICT;
-- A document's page lists its attachments: WHERE document_id = ? ORDER BY position.
CREATE INDEX document_attachments_by_document ON document_attachments (document_id, position);
