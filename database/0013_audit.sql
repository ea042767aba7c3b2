-- Schema version 13 (issue 19 item 2): who made each change, and an append-only,
-- hash-chained audit log of who did what and when.
--
-- change_log.person: the signed-in user who made the change ('恢复码' when the ledger was
-- opened with the recovery code). NULL for changes made before this version and for changes
-- that arrived in packages from older programs. It travels with the change (docs/sync-format.md).
ALTER TABLE change_log ADD COLUMN person TEXT;

-- The person behind each side of a conflict, as the change carried it.
ALTER TABLE sync_conflicts ADD COLUMN winner_person TEXT;
ALTER TABLE sync_conflicts ADD COLUMN loser_person TEXT;

-- One chain per office (`office_id`, a site id): this office's own entries, and at the
-- county every township's entries as its packages brought them. `no` counts from 1 in each
-- chain; `hash` = SHA-256 of the canonical entry followed by `prev_hash` (the previous
-- entry's hash, 64 zeros for the first): storage/audit.py. `id` is only the local order.
CREATE TABLE audit_log (
    id        INTEGER PRIMARY KEY,
    office_id TEXT NOT NULL,
    no        INTEGER NOT NULL,
    at        TEXT NOT NULL,
    office    TEXT NOT NULL,
    person    TEXT NOT NULL,
    action    TEXT NOT NULL,
    object    TEXT NOT NULL DEFAULT '',
    detail    TEXT NOT NULL DEFAULT '',
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL,
    UNIQUE (office_id, no)
);
CREATE INDEX audit_log_at ON audit_log(at);

-- Append-only: the program never changes or removes an entry.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
