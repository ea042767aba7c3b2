-- Schema version 20 (issue 20): the owner index holds the entries that carry their data, not
-- the row-held inserts (storage/held.py). Those are found through their rows instead: an
-- enterprise's records through their table's index on enterprise_id (sync/exporter.py
-- _owned_by). A held insert was the bulk of the index (every record an import or a bulk
-- load made) and the one index it was written into: the county's first import of 30
-- township packages built 297,000 entries into it at the end of the command (0.17 s) and
-- wrote 18 MB more pages (bench/README.md, session 14); at the province it is 3.9M entries.
-- After it (as after every migration) held.install remakes the release triggers, now for the
-- synced tables only: the ones schema 14 gave policy_evaluation_stamp, a local table whose
-- log_seq is the log's high-water mark and no held-insert pointer, are dropped (they wrote
-- the stamp over the held insert it named when the stamp was deleted).
-- held inserts stay held: indexes only (storage/migrations.py)
DROP INDEX change_log_owner;
CREATE INDEX change_log_owner ON change_log(owner, site_id, site_seq) WHERE data IS NOT NULL;
-- the one table owned through enterprise_id without an index that starts with it
CREATE INDEX scale_history_enterprise ON scale_history(enterprise_id);
