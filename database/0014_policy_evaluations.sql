-- Schema version 14 (issue 20): each enterprise's policy evaluation, stored in compact form
-- so that the window's policy columns (建议库别, 提示, 本年预计, 上年营收) are one indexed read
-- after an unlock instead of an evaluation of every enterprise over millions of monthly
-- figures. Local to this ledger and never synced: it is derived from the synced records
-- and is caught up from the change log (services/policy/evaluation_store.py); the reason
-- texts are not stored (they are made when a tooltip, a print or an export asks).

-- One row per evaluated enterprise. flags: the flag codes in the rules' order, joined by
-- ','; stale_on: the first day (YYYY-MM-DD) on which the passing of time alone may change
-- this row (a visit falling due, an exit leaving the years a pool counts, a project going
-- into production); NULL when only a change of the records or a new month can.
CREATE TABLE policy_evaluations (
    enterprise_id      TEXT PRIMARY KEY,
    pool               TEXT NOT NULL,
    suggested_pool     TEXT NOT NULL,
    has_suggestion     INTEGER NOT NULL,
    flags              TEXT NOT NULL,
    prior_year_revenue INTEGER,
    prior_source       TEXT,
    prior_months       INTEGER NOT NULL,
    projected_revenue  INTEGER,
    projection_method  TEXT NOT NULL,
    growth_rate        REAL,
    stale_on           TEXT,
    computed_seq       INTEGER
) WITHOUT ROWID;
CREATE INDEX policy_evaluations_stale ON policy_evaluations(stale_on) WHERE stale_on IS NOT NULL;

-- What the stored rows were computed against (one row): the rules (program and schema), the
-- active profile, the day and month, the months so far, and the change log's high-water
-- mark (seq, and the hybrid clock of that entry, so a number used again is noticed).
CREATE TABLE policy_evaluation_stamp (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    rules       TEXT NOT NULL,
    profile     TEXT NOT NULL,
    as_of       TEXT NOT NULL,
    latest      TEXT,
    log_seq     INTEGER,
    log_hlc     INTEGER
);
