-- Schema version 18 (issue 20): the owner index holds the written-out entries only, as the
-- two older indexes of the log do. A held insert (storage/held.py) is found through its row:
-- a record owned through enterprise_id by that column's index, an enterprise by its id, a
-- county-wide record with its table (storage/owners.py, held.owned_entries_sql). Every new
-- record of an import or a bulk load was one more key at a random place of this index (the
-- county importing its 30 townships' packages: 297,000 of them).
-- held inserts stay held: only indexes change

DROP INDEX change_log_owner;
CREATE INDEX change_log_owner ON change_log(owner, site_id, site_seq) WHERE data IS NOT NULL;

-- the one table owned through enterprise_id whose rows had no index by it
CREATE INDEX IF NOT EXISTS scale_history_enterprise ON scale_history(enterprise_id);
