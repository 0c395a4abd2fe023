-- Cases handled through Decree 56/2017's support-and-intervention process, the steps each case
-- went through, the actions of its plans, its referrals; injuries and deaths of children; the
-- checks of child labour at businesses and households; the officer's changes to the holiday
-- table that working-day deadlines count by; and three new kinds of document: the approval
-- decision of a case, the urgent report of a child's death, the self-check report on labour.

-- A day of the holiday table the officer changed (the built-in table lives in the code). The
-- id is derived from the day, so two laptops changing one day change one record.
CREATE TABLE calendar_days (
    id          TEXT PRIMARY KEY NOT NULL,
    day         TEXT NOT NULL,                      -- YYYY-MM-DD
    kind        TEXT NOT NULL CHECK (kind IN ('off', 'working')),
    name        TEXT NOT NULL,                      -- "Nghỉ bù Quốc khánh"
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL, device_id TEXT NOT NULL,
    row_version INTEGER NOT NULL DEFAULT 1, deleted_at TEXT
) STRICT;
-- A year's page and the deadlines read every change: WHERE deleted_at IS NULL ORDER BY day.
CREATE INDEX calendar_days_by_day ON calendar_days (day);

-- A case: the report received (Mẫu 01). The time received starts the clocks.
CREATE TABLE cases (
    id          TEXT PRIMARY KEY NOT NULL,
    year        INTEGER NOT NULL,                   -- the year received
    number      INTEGER NOT NULL,                   -- 1, 2 … within the year
    child_id    TEXT NOT NULL REFERENCES children (id),
    received_at TEXT NOT NULL,                      -- instant, UTC
    channel     TEXT NOT NULL CHECK (channel IN ('hotline_111', 'school', 'police', 'health_station', 'neighbour', 'in_person', 'online', 'other')),
    abuse_type  TEXT NOT NULL CHECK (abuse_type IN ('violence', 'sexual_abuse', 'exploitation', 'trafficking', 'abandonment', 'neglect', 'other')),
    setting     TEXT NOT NULL CHECK (setting IN ('family', 'school', 'community', 'online')),
    place       TEXT NOT NULL DEFAULT '',           -- where it happened
    account     TEXT NOT NULL,                      -- what happened, as reported
    taken       TEXT NOT NULL DEFAULT '',           -- actions already taken when received
    informant   TEXT,                               -- JSON {name, phone, address, relation}, only with consent
    received_by TEXT NOT NULL,                      -- the person who received it
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL, device_id TEXT NOT NULL,
    row_version INTEGER NOT NULL DEFAULT 1, deleted_at TEXT
) STRICT;
-- The list and the next number: WHERE year = ? ORDER BY number.
CREATE INDEX cases_by_year ON cases (year, number);
-- A child's cases.
CREATE INDEX cases_by_child ON cases (child_id);

-- A step of a case, in the order the decree gives: initial assessment (Mẫu 02), detailed
-- assessment (Mẫu 03), plan (Mẫu 04), approval (Mẫu 05, an issued decision), follow-ups,
-- review (Mẫu 06) that closes the case or starts a new cycle.
CREATE TABLE case_steps (
    id          TEXT PRIMARY KEY NOT NULL,
    case_id     TEXT NOT NULL REFERENCES cases (id),
    cycle       INTEGER NOT NULL,                   -- 1, then 2 … after a review that starts again
    step        TEXT NOT NULL CHECK (step IN ('initial', 'detailed', 'plan', 'approval', 'follow_up', 'review')),
    done_at     TEXT NOT NULL,                      -- instant, UTC
    done_by     TEXT NOT NULL,                      -- the person who did it
    details     TEXT NOT NULL,                      -- JSON: the form's fields
    document_id TEXT,                               -- approval: the decision issued (documents.id)
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL, device_id TEXT NOT NULL,
    row_version INTEGER NOT NULL DEFAULT 1, deleted_at TEXT
) STRICT;
-- A case's page and the deadlines: WHERE case_id = ? ORDER BY done_at.
CREATE INDEX case_steps_by_case ON case_steps (case_id, done_at);

-- An action of a case's plan: what, by which unit, by when, done when.
CREATE TABLE case_actions (
    id          TEXT PRIMARY KEY NOT NULL,
    case_id     TEXT NOT NULL REFERENCES cases (id),
    cycle       INTEGER NOT NULL,
    action      TEXT NOT NULL,
    unit_id     TEXT REFERENCES units (id),
    due_on      TEXT NOT NULL,
    done_on     TEXT,
    result      TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL, device_id TEXT NOT NULL,
    row_version INTEGER NOT NULL DEFAULT 1, deleted_at TEXT
) STRICT;
-- A case's page: WHERE case_id = ?.
CREATE INDEX case_actions_by_case ON case_actions (case_id);

-- A referral of a case to another service, and what came of it.
CREATE TABLE case_referrals (
    id          TEXT PRIMARY KEY NOT NULL,
    case_id     TEXT NOT NULL REFERENCES cases (id),
    referred_to TEXT NOT NULL CHECK (referred_to IN ('hotline_111', 'social_work_centre', 'police', 'health_station', 'court', 'other')),
    referred_on TEXT NOT NULL,
    reason      TEXT NOT NULL DEFAULT '',
    outcome     TEXT NOT NULL DEFAULT '',
    outcome_on  TEXT,
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL, device_id TEXT NOT NULL,
    row_version INTEGER NOT NULL DEFAULT 1, deleted_at TEXT
) STRICT;
-- A case's page: WHERE case_id = ?.
CREATE INDEX case_referrals_by_case ON case_referrals (case_id);

-- An accident or injury of a child (seed plan II.3.d): what, where, the outcome, what was done.
CREATE TABLE injuries (
    id          TEXT PRIMARY KEY NOT NULL,
    child_id    TEXT NOT NULL REFERENCES children (id),
    occurred_on TEXT NOT NULL,
    place       TEXT NOT NULL DEFAULT '',
    cause       TEXT NOT NULL CHECK (cause IN ('drowning', 'traffic', 'fall', 'burn', 'poisoning', 'other')),
    outcome     TEXT NOT NULL CHECK (outcome IN ('injured', 'died')),
    description TEXT NOT NULL,
    actions     TEXT NOT NULL DEFAULT '',           -- what the ward and others did
    recorded_by TEXT NOT NULL,
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL, device_id TEXT NOT NULL,
    row_version INTEGER NOT NULL DEFAULT 1, deleted_at TEXT
) STRICT;
-- The list and the statistics of a period: WHERE occurred_on BETWEEN ? AND ?.
CREATE INDEX injuries_by_day ON injuries (occurred_on);

-- A check of child labour at a business or a household (seed plan II.5.a).
CREATE TABLE labour_checks (
    id          TEXT PRIMARY KEY NOT NULL,
    checked_on  TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('business', 'household')),
    place       TEXT NOT NULL,                      -- the business or household, and its address
    team_units  TEXT NOT NULL DEFAULT '[]',         -- JSON list of units' ids
    team_people TEXT NOT NULL DEFAULT '',           -- the people, in words
    found       TEXT NOT NULL DEFAULT '[]',         -- JSON list of {name, age, work, conditions}
    findings    TEXT NOT NULL,
    required    TEXT NOT NULL DEFAULT '',           -- what the business or household must do
    follow_up   TEXT NOT NULL DEFAULT '',
    follow_up_on TEXT,
    recorded_by TEXT NOT NULL,
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL, device_id TEXT NOT NULL,
    row_version INTEGER NOT NULL DEFAULT 1, deleted_at TEXT
) STRICT;
-- The year's list: WHERE checked_on BETWEEN ? AND ?.
CREATE INDEX labour_checks_by_day ON labour_checks (checked_on);

-- The approval decision (Mẫu 05) is a document of the register, numbered and signed like the
-- others, that speaks of a case; the urgent report of a death speaks of an injury; the
-- self-check report on child labour, of a year. The documents table is rebuilt to widen its
-- CHECK and add the case and the injury, as the reminder letters' migration did (its comments
-- say why this is safe).
CREATE TABLE documents_new (
    id          TEXT PRIMARY KEY NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('plan', 'report', 'progress', 'delivery', 'reminder', 'case_decision', 'injury_report', 'labour_report')),
    plan_id     TEXT REFERENCES plans (id),
    period      TEXT CHECK (period IN ('half', 'year')),   -- reports only
    source_id   TEXT REFERENCES documents_new (id),       -- delivery lists: the document delivered
    unit_id     TEXT REFERENCES units (id),               -- reminder letters: the unit addressed
    case_id     TEXT REFERENCES cases (id),               -- approval decisions: the case
    injury_id   TEXT REFERENCES injuries (id),            -- urgent reports of a death: the injury
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
    id, kind, plan_id, period, source_id, unit_id, year, number, symbol, issued_on, summary,
    signer_prefix, signer_title, signer_name, recipients, narrative, status, file_id, sha256,
    signed_by, signed_at, created_at, updated_at, device_id, row_version, deleted_at
)
SELECT
    id, kind, plan_id, period, source_id, unit_id, year, number, symbol, issued_on, summary,
    signer_prefix, signer_title, signer_name, recipients, narrative, status, file_id, sha256,
    signed_by, signed_at, created_at, updated_at, device_id, row_version, deleted_at
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
