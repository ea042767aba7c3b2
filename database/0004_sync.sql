-- Schema version 4: sync bookkeeping (SYNC.md). All of it is local to this office; none of
-- these tables is synced. What travels is the change log; these record what a merge found.

-- A same-field race (or an edit racing a delete) found by a merge: both sides kept for a
-- person to confirm or switch. `winner_*` is the side the deterministic rule applied.
-- `field` is '' for an edit-versus-delete conflict. Values are JSON.
CREATE TABLE sync_conflicts (
    id            TEXT PRIMARY KEY,
    tbl           TEXT NOT NULL,
    row_id        TEXT NOT NULL,
    field         TEXT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('field', 'delete')),
    winner_value  TEXT,
    winner_hlc    INTEGER NOT NULL,
    winner_site   TEXT NOT NULL,
    winner_op     TEXT NOT NULL,
    loser_value   TEXT,
    loser_hlc     INTEGER NOT NULL,
    loser_site    TEXT NOT NULL,
    loser_op      TEXT NOT NULL,
    incoming_side TEXT CHECK (incoming_side IN ('winner', 'loser')),
    package_id    TEXT,
    detected_at   TEXT NOT NULL,
    status        TEXT NOT NULL DEFAULT 'open'
                  CHECK (status IN ('open', 'kept_winner', 'kept_loser', 'superseded')),
    resolved_at   TEXT,
    resolved_by   TEXT
);
CREATE UNIQUE INDEX sync_conflicts_pair ON sync_conflicts(
    tbl, row_id, field, winner_hlc, winner_site, loser_hlc, loser_site);
CREATE INDEX sync_conflicts_status ON sync_conflicts(status);

-- "疑似重复": one credit code on several live enterprises (found at the county).
CREATE TABLE sync_duplicates (
    id             TEXT PRIMARY KEY,
    credit_code    TEXT NOT NULL,
    enterprise_ids TEXT NOT NULL,
    status         TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'merged', 'dismissed')),
    survivor_id    TEXT,
    found_at       TEXT NOT NULL,
    resolved_at    TEXT
);
CREATE INDEX sync_duplicates_code ON sync_duplicates(credit_code, status);

-- Rows that came into a peer's scope (a merge moved them to its enterprise): their whole
-- history goes in the next packages to that peer until it acknowledges `trigger_seq`
-- (this site's sequence number of the change that moved them).
CREATE TABLE sync_resend (
    peer_site_id TEXT NOT NULL,
    tbl          TEXT NOT NULL,
    row_id       TEXT NOT NULL,
    trigger_seq  INTEGER NOT NULL,
    PRIMARY KEY (peer_site_id, tbl, row_id)
);

-- Keys this site or a peer used before a rotation (to read late packages, and for audit).
CREATE TABLE site_key_history (
    site_id          TEXT NOT NULL,
    sign_public_key  TEXT NOT NULL,
    age_recipient    TEXT NOT NULL,
    fingerprint      TEXT NOT NULL,
    age_identity     TEXT,
    replaced_at      TEXT NOT NULL
);
CREATE INDEX site_key_history_site ON site_key_history(site_id);
