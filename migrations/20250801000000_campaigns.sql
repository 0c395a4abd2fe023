-- Campaigns of visits, gifts and scholarships (Tết, the Children's Action Month, Tết Trung thu …):
-- their funds by source, and the children who receive, each gift handed over against a signature.
-- Money is whole đồng in INTEGER columns.

CREATE TABLE campaigns (
    id          TEXT PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL,                         -- "Thăm, tặng quà trẻ em dịp Tết Nguyên đán Giáp Thìn 2024"
    occasion    TEXT NOT NULL CHECK (occasion IN ('tet', 'action_month', 'mid_autumn', 'school_year', 'other')),
    year        INTEGER NOT NULL,                      -- the year of the occasion: "the same occasion last year"
    starts_on   TEXT NOT NULL,
    ends_on     TEXT NOT NULL,
    theme       TEXT NOT NULL DEFAULT '',
    node_id     TEXT REFERENCES plan_nodes (id),       -- the plan's activity it carries out, if any
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL, device_id TEXT NOT NULL,
    row_version INTEGER NOT NULL DEFAULT 1, deleted_at TEXT
) STRICT;
-- The list of campaigns, newest first: ORDER BY starts_on DESC.
CREATE INDEX campaigns_by_start ON campaigns (starts_on);

-- Where a campaign's money comes from: the state budget, or mobilised from a donor.
CREATE TABLE campaign_funds (
    id          TEXT PRIMARY KEY NOT NULL,
    campaign_id TEXT NOT NULL REFERENCES campaigns (id),
    source      TEXT NOT NULL CHECK (source IN ('budget', 'mobilised')),
    donor       TEXT NOT NULL DEFAULT '',              -- mobilised: "Công ty TNHH Hòa Phát"
    donor_kind  TEXT CHECK (donor_kind IN ('business', 'organisation', 'person')),
    planned     INTEGER NOT NULL CHECK (planned >= 0),
    received    INTEGER NOT NULL CHECK (received >= 0),
    note        TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL, device_id TEXT NOT NULL,
    row_version INTEGER NOT NULL DEFAULT 1, deleted_at TEXT
) STRICT;
-- A campaign's page lists its funds: WHERE campaign_id = ?.
CREATE INDEX campaign_funds_by_campaign ON campaign_funds (campaign_id);

-- A child's gift or scholarship in a campaign, and its handing over.
CREATE TABLE campaign_recipients (
    id          TEXT PRIMARY KEY NOT NULL,
    campaign_id TEXT NOT NULL REFERENCES campaigns (id),
    child_id    TEXT NOT NULL REFERENCES children (id),
    fund_id     TEXT NOT NULL REFERENCES campaign_funds (id),
    kind        TEXT NOT NULL CHECK (kind IN ('gift', 'scholarship')),
    form        TEXT NOT NULL CHECK (form IN ('cash', 'in_kind')),
    description TEXT NOT NULL DEFAULT '',              -- "Quà Tết (gạo, bánh kẹo)"
    value       INTEGER NOT NULL CHECK (value > 0),
    handed_over_on TEXT,                               -- the day it was handed over, once it was
    received_by TEXT NOT NULL DEFAULT '',              -- who received it for the child: "Mẹ: Trần Thị Hoa"
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL, device_id TEXT NOT NULL,
    row_version INTEGER NOT NULL DEFAULT 1, deleted_at TEXT
) STRICT;
-- A campaign's recipients: WHERE campaign_id = ?.
CREATE INDEX campaign_recipients_by_campaign ON campaign_recipients (campaign_id);
-- What a child received before ("received from the same occasion last year"): WHERE child_id IN (…).
CREATE INDEX campaign_recipients_by_child ON campaign_recipients (child_id);

-- The campaign report (numbered, BC-UBND) and the Chairman's decision on commendations
-- (numbered, QĐ-UBND) are documents of the register. The documents table is rebuilt to widen its
-- CHECK and add the campaign, as the reminder letters' migration did (its comments say why this
-- is safe).
CREATE TABLE documents_new (
    id          TEXT PRIMARY KEY NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('plan', 'report', 'progress', 'delivery', 'reminder', 'case_decision', 'injury_report',
                                              'labour_report', 'campaign_report', 'commendation')),
    plan_id     TEXT REFERENCES plans (id),
    period      TEXT CHECK (period IN ('half', 'year')),   -- reports only
    source_id   TEXT REFERENCES documents_new (id),       -- delivery lists: the document delivered
    unit_id     TEXT REFERENCES units (id),               -- reminder letters: the unit addressed
    case_id     TEXT REFERENCES cases (id),               -- approval decisions: the case
    injury_id   TEXT REFERENCES injuries (id),            -- urgent reports of a death: the injury
    campaign_id TEXT REFERENCES campaigns (id),           -- campaign reports: the campaign
    about_year  INTEGER,                                  -- self-check reports: the year checked
    year        INTEGER NOT NULL,
    number      INTEGER,                                  -- given by the register on issuing
    symbol      TEXT NOT NULL,
    issued_on   TEXT,
    summary     TEXT NOT NULL,
    signer_prefix TEXT NOT NULL,
    signer_title  TEXT NOT NULL,
    signer_name   TEXT NOT NULL,
    recipients  TEXT NOT NULL,                            -- JSON array
    narrative   TEXT NOT NULL,                            -- JSON object of the officer's sections
    status      TEXT NOT NULL CHECK (status IN ('draft', 'issued')),
    file_id     TEXT REFERENCES files (id),
    sha256      TEXT,
    signed_by   TEXT,
    signed_at   TEXT,
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL, device_id TEXT NOT NULL,
    row_version INTEGER NOT NULL DEFAULT 1, deleted_at TEXT
) STRICT;

INSERT INTO documents_new (
    id, kind, plan_id, period, source_id, unit_id, case_id, injury_id, about_year, year, number, symbol,
    issued_on, summary, signer_prefix, signer_title, signer_name, recipients, narrative, status, file_id,
    sha256, signed_by, signed_at, created_at, updated_at, device_id, row_version, deleted_at
)
SELECT
    id, kind, plan_id, period, source_id, unit_id, case_id, injury_id, about_year, year, number, symbol,
    issued_on, summary, signer_prefix, signer_title, signer_name, recipients, narrative, status, file_id,
    sha256, signed_by, signed_at, created_at, updated_at, device_id, row_version, deleted_at
FROM documents;

DROP TABLE documents;
ALTER TABLE documents_new RENAME TO documents;

-- The indexes went with the old table; the same ones again.
-- Numbers are unique in the year of the issuing body (Decree 30, Art. 15): next number is
-- MAX(number) WHERE year = ?.
CREATE UNIQUE INDEX documents_number ON documents (year, number) WHERE number IS NOT NULL;
-- The register lists a year's documents: WHERE year = ? ORDER BY number.
CREATE INDEX documents_by_year ON documents (year, status);
-- A unit's page lists the letters sent to it: WHERE unit_id = ?.
CREATE INDEX documents_by_unit ON documents (unit_id) WHERE unit_id IS NOT NULL;
-- A case's page finds its decisions: WHERE case_id = ?.
CREATE INDEX documents_by_case ON documents (case_id) WHERE case_id IS NOT NULL;
-- A campaign's page finds its report: WHERE campaign_id = ?.
CREATE INDEX documents_by_campaign ON documents (campaign_id) WHERE campaign_id IS NOT NULL;
