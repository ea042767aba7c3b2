-- Schema version 8: every township office a county enrolled is a township of its list
-- (storage/enrolled.py). Enrolment now writes the `townships` row of the office it pins; a
-- county that enrolled townships before this version may lack their rows.
--
-- Those rows must be tracked changes (a change-log entry stamped by the county's clock, so
-- that they travel to the townships), with ids derived from the code by a UUID that SQL
-- cannot compute: they are written through the Ledger when the ledger is next opened
-- (storage.enrolled.finish_upgrade). This migration only marks a county that needs it; the
-- mark is removed in the transaction that writes the rows.
INSERT OR REPLACE INTO meta(key, value)
SELECT 'pending_enrolled_townships', '1'
 WHERE EXISTS (SELECT 1 FROM sites WHERE is_self = 1 AND role = 'county')
   AND EXISTS (SELECT 1 FROM sites s
                WHERE s.is_self = 0 AND s.trusted = 1 AND s.role = 'township'
                  AND NOT EXISTS (SELECT 1 FROM townships t WHERE t.code = s.area_code));
