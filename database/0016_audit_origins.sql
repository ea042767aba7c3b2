-- Schema version 16 (issue 19): the audit log has one chain per copy of a ledger (its
-- origin, storage/origins.py), not per office. Two copies of one township's ledger (same
-- keys, distinct origins) numbered their entries alike, and the county kept only the first
-- copy's. An entry now names its `origin`; `no` counts from 1 in each (office, origin).
--
-- Entries already written: this ledger's own belong to its current origin (the copy it is),
-- the entries a county holds of a township to the township's site id (the ledger as it
-- was made: older packages did not say which copy sent them). The hash covers the same
-- eight fields as before (storage/audit.py), so every chain still verifies.
CREATE TABLE audit_log_v16 (
    id        INTEGER PRIMARY KEY,
    office_id TEXT NOT NULL,
    origin    TEXT NOT NULL,
    no        INTEGER NOT NULL,
    at        TEXT NOT NULL,
    office    TEXT NOT NULL,
    person    TEXT NOT NULL,
    action    TEXT NOT NULL,
    object    TEXT NOT NULL DEFAULT '',
    detail    TEXT NOT NULL DEFAULT '',
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL,
    UNIQUE (office_id, origin, no)
);
INSERT INTO audit_log_v16(id, office_id, origin, no, at, office, person, action, object, detail,
                          prev_hash, hash)
SELECT id, office_id,
       CASE WHEN office_id = (SELECT value FROM meta WHERE key = 'site_id')
            THEN coalesce((SELECT value FROM meta WHERE key = 'origin_id'), office_id)
            ELSE office_id END,
       no, at, office, person, action, object, detail, prev_hash, hash
FROM audit_log;
DROP TABLE audit_log;
ALTER TABLE audit_log_v16 RENAME TO audit_log;
CREATE INDEX audit_log_at ON audit_log(at);

-- Append-only: the program never changes or removes an entry.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

-- The newest entry of the own chain, per origin now (audit_head:<origin>).
INSERT OR REPLACE INTO meta(key, value)
SELECT 'audit_head:' || coalesce((SELECT value FROM meta WHERE key = 'origin_id'),
                                 (SELECT value FROM meta WHERE key = 'site_id')), value
FROM meta WHERE key = 'audit_head';
DELETE FROM meta WHERE key = 'audit_head';

-- How much of the own chain each county acknowledged, per origin now
-- (audit_acked:<county>:<origin>). A copy's chain was numbered with its original's before:
-- its acknowledgement is dropped, so the copy sends its whole chain once under its origin.
INSERT OR REPLACE INTO meta(key, value)
SELECT key || ':' || (SELECT value FROM meta WHERE key = 'site_id'), value
FROM meta WHERE key LIKE 'audit_acked:%'
  AND coalesce((SELECT value FROM meta WHERE key = 'origin_id'),
               (SELECT value FROM meta WHERE key = 'site_id'))
      = (SELECT value FROM meta WHERE key = 'site_id');
DELETE FROM meta WHERE key LIKE 'audit_acked:%' AND key NOT LIKE 'audit_acked:%:%';
