-- Schema version 12 (issue 15): a ledger copied to a second computer. Every copy of a
-- ledger writes its changes under its own origin id (a device of the office: same site id,
-- same keys), so two copies never give two different changes the same (origin, number).
-- See docs/sync-format.md, "Copies of a ledger", and storage/origins.py.

-- origin id -> the office whose changes it stamps. An office's first origin is its site id
-- (not listed); a copy adds its own. A county binds a township's new origins when the
-- township's signed package first carries them, and refuses one bound to another office.
CREATE TABLE site_origins (
    origin_id  TEXT PRIMARY KEY,
    site_id    TEXT NOT NULL,
    bound_at   TEXT NOT NULL,
    package_id TEXT
);

-- At a county: what each device (origin) of a township acknowledged in its last package.
-- A package to the township leaves out only what every device of it acknowledged.
CREATE TABLE peer_devices (
    site_id      TEXT NOT NULL,
    origin_id    TEXT NOT NULL,
    acked_vector TEXT NOT NULL DEFAULT '{}',
    package_no   INTEGER NOT NULL DEFAULT 0,
    updated_at   TEXT,
    PRIMARY KEY (site_id, origin_id)
) WITHOUT ROWID;
INSERT INTO peer_devices(site_id, origin_id, acked_vector, package_no)
SELECT site_id, site_id, coalesce(acked_vector, '{}'), last_received_no FROM peer_state
 WHERE site_id IN (SELECT id FROM sites WHERE is_self = 0);

-- Which copy of the sender's ledger made an imported package (its origin; NULL: the site
-- id). Two copies number their packages alike: that is no longer a warning.
ALTER TABLE imported_packages ADD COLUMN origin TEXT;
-- At a township: the county's package numbers up to which nothing is missing for this copy
-- (a later package was made from this copy's own acknowledgements, so it carries all that
-- the earlier ones did; the numbers another copy imported are no gaps here).
ALTER TABLE peer_state ADD COLUMN covered_no INTEGER NOT NULL DEFAULT 0;

-- At a township: own changes kept back after the county moved their enterprise away
-- (sync/exporter.py withhold_transferred) that were written again as new changes when the
-- enterprise came back (sync/transfers.py reissue_returned).
CREATE TABLE reissued_entries (
    site_id     TEXT NOT NULL,
    site_seq    INTEGER NOT NULL,
    reissued_at TEXT NOT NULL,
    PRIMARY KEY (site_id, site_seq)
) WITHOUT ROWID;

-- Twins: a change that came with an (origin, number) this ledger held for another change
-- (two copies of one ledger before this version), taken under this office's own number
-- (sync/merge.py); the same twin arriving again is then known.
CREATE TABLE renumbered_twins (
    site_id  TEXT NOT NULL,
    site_seq INTEGER NOT NULL,
    tbl      TEXT NOT NULL,
    row_id   TEXT NOT NULL,
    PRIMARY KEY (site_id, site_seq, tbl, row_id)
) WITHOUT ROWID;

-- A ledger made before this version has no record of the computer it is on: when next
-- opened it records it, and starts a new origin (storage/origins.py), so copies made
-- before the upgrade stop numbering their changes alike.
INSERT OR REPLACE INTO meta(key, value) VALUES ('pending_new_origin', '1');
