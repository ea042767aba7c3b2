-- Schema version 6: an insert entry may keep its values in the row it made (see
-- shengui_desktop/storage/held.py). `data` NULL marks such a "held" entry: its data is the
-- row's synced columns, the row points to it (log_seq), and triggers write the data out
-- before the row changes. Both change-log indexes leave held entries out: they are found
-- through their row. An import of 287,227 new records wrote each record's values twice and
-- put every entry into two random-key indexes; now it writes the row and a short entry.
-- The view change_entries and the triggers are made in Python after this script.

CREATE TABLE change_log_new (
    seq      INTEGER PRIMARY KEY,
    tbl      TEXT NOT NULL,
    row_id   TEXT NOT NULL,
    op       TEXT NOT NULL CHECK (op IN ('i', 'u', 'd')),
    data     TEXT CHECK (data IS NOT NULL OR op = 'i'),
    base     TEXT,
    hlc      INTEGER NOT NULL,
    site_id  TEXT NOT NULL,
    site_seq INTEGER NOT NULL
);
INSERT INTO change_log_new SELECT seq, tbl, row_id, op, data, base, hlc, site_id, site_seq
    FROM change_log;
DROP TABLE change_log;
ALTER TABLE change_log_new RENAME TO change_log;
CREATE INDEX change_log_row ON change_log(row_id) WHERE data IS NOT NULL;
CREATE UNIQUE INDEX change_log_origin ON change_log(site_id, site_seq) WHERE data IS NOT NULL;

ALTER TABLE townships ADD COLUMN log_seq INTEGER;
ALTER TABLE departments ADD COLUMN log_seq INTEGER;
ALTER TABLE enterprises ADD COLUMN log_seq INTEGER;
ALTER TABLE monthly_figures ADD COLUMN log_seq INTEGER;
ALTER TABLE visits ADD COLUMN log_seq INTEGER;
ALTER TABLE issues ADD COLUMN log_seq INTEGER;
ALTER TABLE pool_events ADD COLUMN log_seq INTEGER;
ALTER TABLE targets ADD COLUMN log_seq INTEGER;
ALTER TABLE policy_profiles ADD COLUMN log_seq INTEGER;
ALTER TABLE projects ADD COLUMN log_seq INTEGER;
ALTER TABLE scale_history ADD COLUMN log_seq INTEGER;
ALTER TABLE reward_claims ADD COLUMN log_seq INTEGER;
ALTER TABLE entry_checklist ADD COLUMN log_seq INTEGER;
