-- Schema version 3: what the policy profiles need beyond the foundation (issue 3).
-- All four tables are synced records (text UUID id, written through the storage layer).

-- The policy evaluation aggregates two years of figures for every enterprise at once: a
-- covering index lets that GROUP BY read the figures in enterprise order without a sort or
-- a table lookup per row, and the period index finds the months reported so far this year.
CREATE INDEX monthly_figures_enterprise_figures
    ON monthly_figures(enterprise_id, period, revenue, output_value, tax_paid, electricity_kwh);
CREATE INDEX monthly_figures_period ON monthly_figures(period);

-- Projects of an enterprise: new builds, attracted projects, spin-offs. The pool rules use
-- "expected to reach scale" (顺城, 盂县) and "started production this year" (孝义).
CREATE TABLE projects (
    id                      TEXT PRIMARY KEY,
    enterprise_id           TEXT NOT NULL,
    name                    TEXT NOT NULL,
    status                  TEXT NOT NULL DEFAULT 'planned'
                            CHECK (status IN ('planned', 'signed', 'under_construction',
                                              'in_production', 'abandoned')),
    production_start_date   TEXT,
    expected_to_reach_scale INTEGER NOT NULL DEFAULT 0,
    expected_scale_year     INTEGER,
    department_id           TEXT,
    milestones              TEXT,
    note                    TEXT
);
CREATE INDEX projects_enterprise ON projects(enterprise_id);

-- Earlier above-scale periods of a credit code, with the name it had then. The enterprise's
-- current period is in enterprises.entered_stats_date / exited_stats_date; this keeps the
-- ones before it (孝义: no reward for re-entry under a new name only).
CREATE TABLE scale_history (
    id            TEXT PRIMARY KEY,
    enterprise_id TEXT,
    credit_code   TEXT NOT NULL,
    name          TEXT NOT NULL,
    entered_on    TEXT NOT NULL,
    exited_on     TEXT,
    note          TEXT
);
CREATE INDEX scale_history_credit_code ON scale_history(credit_code);

-- Amounts an enterprise claims under 闽侯's rewards: technical-upgrade investment, bid
-- contracts won, and the new local economic contribution (as the finance bureau confirms it).
CREATE TABLE reward_claims (
    id            TEXT PRIMARY KEY,
    enterprise_id TEXT NOT NULL,
    year          INTEGER NOT NULL,
    kind          TEXT NOT NULL
                  CHECK (kind IN ('tech_upgrade', 'bid_contract', 'local_contribution')),
    description   TEXT NOT NULL,
    amount        INTEGER NOT NULL CHECK (amount >= 0),
    bid_region    TEXT CHECK (bid_region IS NULL OR bid_region IN
                              ('same_city', 'other_city_in_province', 'outside_province')),
    public_tender INTEGER,
    recorded_on   TEXT
);
CREATE INDEX reward_claims_year ON reward_claims(year, enterprise_id);

-- The entry-materials checklist, one row per enterprise and item. The id is derived from
-- (enterprise, item), so two offices ticking the same item write the same record.
CREATE TABLE entry_checklist (
    id            TEXT PRIMARY KEY,
    enterprise_id TEXT NOT NULL,
    item          TEXT NOT NULL,
    done          INTEGER NOT NULL DEFAULT 0,
    done_on       TEXT,
    note          TEXT,
    checked_by    TEXT
);
CREATE UNIQUE INDEX entry_checklist_item ON entry_checklist(enterprise_id, item);
