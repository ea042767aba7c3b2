-- Schema version 1: the ledger of one office (township or county).
-- Synced tables have a text UUID `id` made where the row was created; every write to them
-- goes through the storage layer, which appends to change_log (see SYNC.md).

-- Local bookkeeping of this ledger (never synced).
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- This office and the offices it knows (public keys are pinned here).
CREATE TABLE sites (
    id              TEXT PRIMARY KEY,
    role            TEXT NOT NULL CHECK (role IN ('township', 'county')),
    name            TEXT NOT NULL,
    area_code       TEXT NOT NULL,
    sign_public_key TEXT,
    age_recipient   TEXT,
    fingerprint     TEXT,
    is_self         INTEGER NOT NULL DEFAULT 0,
    trusted         INTEGER NOT NULL DEFAULT 0,
    created_at      TEXT NOT NULL
);

-- Private keys of this site: inside the encrypted ledger only.
CREATE TABLE site_secrets (
    site_id          TEXT PRIMARY KEY REFERENCES sites(id),
    sign_private_key TEXT NOT NULL,
    age_identity     TEXT NOT NULL
);

CREATE TABLE users (
    username     TEXT PRIMARY KEY,
    display_name TEXT NOT NULL,
    role         TEXT NOT NULL DEFAULT 'cadre' CHECK (role IN ('admin', 'cadre', 'viewer')),
    created_at   TEXT NOT NULL
);

-- Synced records -------------------------------------------------------------------------

CREATE TABLE townships (
    id   TEXT PRIMARY KEY,
    code TEXT NOT NULL UNIQUE CHECK (length(code) = 9),
    name TEXT NOT NULL
);

CREATE TABLE departments (
    id   TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);

CREATE TABLE enterprises (
    id                 TEXT PRIMARY KEY,
    credit_code        TEXT NOT NULL,
    name               TEXT NOT NULL,
    township_code      TEXT NOT NULL,
    industry_code      TEXT,
    stat_status        TEXT NOT NULL DEFAULT 'below_scale'
                       CHECK (stat_status IN ('below_scale', 'above_scale', 'exited')),
    pool               TEXT NOT NULL DEFAULT 'none'
                       CHECK (pool IN ('none', 'base', 'reserve', 'cultivation', 'entry', 'exit_risk')),
    source             TEXT,
    department_id      TEXT,
    liaison_cadre      TEXT,
    address            TEXT,
    legal_person       TEXT,
    contact_person     TEXT,
    contact_phone      TEXT,
    established_date   TEXT,
    entered_stats_date TEXT,
    exited_stats_date  TEXT,
    tags               TEXT,
    note               TEXT,
    -- local, derived when the name is saved (pinyin initials and full pinyin); not synced
    search_key         TEXT
);
CREATE INDEX enterprises_credit_code ON enterprises(credit_code);
CREATE INDEX enterprises_township ON enterprises(township_code, pool);
CREATE INDEX enterprises_pool ON enterprises(pool);

-- One row per enterprise and month; revenue etc. are that month's own amounts (not
-- cumulative), integer yuan; electricity in kWh. The id is derived from (enterprise, month)
-- so two offices entering the same month write the same record.
CREATE TABLE monthly_figures (
    id              TEXT PRIMARY KEY,
    enterprise_id   TEXT NOT NULL,
    period          TEXT NOT NULL,
    revenue         INTEGER,
    output_value    INTEGER,
    tax_paid        INTEGER,
    electricity_kwh INTEGER,
    employees       INTEGER
);
CREATE UNIQUE INDEX monthly_figures_enterprise_period ON monthly_figures(enterprise_id, period);

CREATE TABLE visits (
    id            TEXT PRIMARY KEY,
    enterprise_id TEXT NOT NULL,
    visit_date    TEXT NOT NULL,
    kind          TEXT NOT NULL DEFAULT 'onsite',
    visitors      TEXT NOT NULL,
    summary       TEXT NOT NULL,
    demands       TEXT,
    recorded_by   TEXT
);
CREATE INDEX visits_enterprise ON visits(enterprise_id, visit_date);
CREATE INDEX visits_date ON visits(visit_date);

CREATE TABLE issues (
    id            TEXT PRIMARY KEY,
    enterprise_id TEXT NOT NULL,
    visit_id      TEXT,
    category      TEXT NOT NULL DEFAULT 'other',
    description   TEXT NOT NULL,
    department_id TEXT,
    raised_date   TEXT,
    deadline      TEXT,
    status        TEXT NOT NULL DEFAULT 'open'
                  CHECK (status IN ('open', 'in_progress', 'resolved', 'closed')),
    resolution    TEXT,
    resolved_date TEXT
);
CREATE INDEX issues_enterprise ON issues(enterprise_id);
CREATE INDEX issues_department ON issues(department_id, status);

-- A recorded move between pools; enterprises.pool holds the current pool.
CREATE TABLE pool_events (
    id            TEXT PRIMARY KEY,
    enterprise_id TEXT NOT NULL,
    from_pool     TEXT NOT NULL,
    to_pool       TEXT NOT NULL,
    moved_on      TEXT NOT NULL,
    reason        TEXT NOT NULL,
    decided_by    TEXT NOT NULL,
    confirmed     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX pool_events_enterprise ON pool_events(enterprise_id, moved_on);

CREATE TABLE targets (
    id            TEXT PRIMARY KEY,
    year          INTEGER NOT NULL,
    scope         TEXT NOT NULL CHECK (scope IN ('county', 'township', 'department')),
    township_code TEXT,
    department_id TEXT,
    net_increase  INTEGER NOT NULL,
    note          TEXT
);
CREATE INDEX targets_year ON targets(year);

CREATE TABLE policy_profiles (
    id      TEXT PRIMARY KEY,
    code    TEXT NOT NULL,
    name    TEXT NOT NULL,
    version TEXT NOT NULL,
    content TEXT NOT NULL,
    active  INTEGER NOT NULL DEFAULT 0
);

-- The change log -------------------------------------------------------------------------
-- One entry per written row: the fields written and their new values (JSON object), the
-- hybrid-logical-clock stamp, the origin site and its sequence number. `base` (updates and
-- deletes) holds, per field, the stamp [hlc, site] of the value the writer overwrote, so a
-- merge can tell an informed overwrite from a race.
CREATE TABLE change_log (
    seq      INTEGER PRIMARY KEY,
    tbl      TEXT NOT NULL,
    row_id   TEXT NOT NULL,
    op       TEXT NOT NULL CHECK (op IN ('i', 'u', 'd')),
    data     TEXT NOT NULL,
    base     TEXT,
    hlc      INTEGER NOT NULL,
    site_id  TEXT NOT NULL,
    site_seq INTEGER NOT NULL
);
CREATE INDEX change_log_row ON change_log(row_id);
CREATE UNIQUE INDEX change_log_origin ON change_log(site_id, site_seq);

-- Sync bookkeeping -----------------------------------------------------------------------
-- Highest origin sequence number seen from each site (this site included).
CREATE TABLE version_vector (
    site_id TEXT PRIMARY KEY,
    max_seq INTEGER NOT NULL
);

CREATE TABLE peer_state (
    site_id          TEXT PRIMARY KEY,
    last_sent_no     INTEGER NOT NULL DEFAULT 0,
    last_received_no INTEGER NOT NULL DEFAULT 0,
    acked_vector     TEXT NOT NULL DEFAULT '{}'
);

CREATE TABLE imported_packages (
    package_id  TEXT PRIMARY KEY,
    sender_id   TEXT NOT NULL,
    package_no  INTEGER NOT NULL,
    imported_at TEXT NOT NULL,
    counts      TEXT NOT NULL
);
