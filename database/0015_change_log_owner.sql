-- Schema version 15 (issue 20): the enterprise each change-log entry concerns, kept with
-- the entry, so a county's package to a township reads a range of an index instead of
-- working out the owner of every entry of the log (16-37 s at province scale for 1,000
-- changes, bench/README.md). See shengui_desktop/storage/owners.py: what `owner` holds
-- (the enterprise's id; '' for the county-wide tables; '?' when no office here knows the
-- enterprise) and the triggers that keep it true from now on (made in Python after this).
-- held inserts stay held: only change_log changes (storage/migrations.py)

ALTER TABLE change_log ADD COLUMN owner TEXT;

-- Held inserts (storage/held.py) from their rows, a table at a time in row order.

UPDATE change_log SET owner = '' FROM townships r
    WHERE change_log.seq = r.log_seq AND change_log.data IS NULL;
UPDATE change_log SET owner = '' FROM departments r
    WHERE change_log.seq = r.log_seq AND change_log.data IS NULL;
UPDATE change_log SET owner = r.id FROM enterprises r
    WHERE change_log.seq = r.log_seq AND change_log.data IS NULL;
UPDATE change_log SET owner = r.enterprise_id FROM monthly_figures r
    WHERE change_log.seq = r.log_seq AND change_log.data IS NULL;
UPDATE change_log SET owner = r.enterprise_id FROM visits r
    WHERE change_log.seq = r.log_seq AND change_log.data IS NULL;
UPDATE change_log SET owner = r.enterprise_id FROM issues r
    WHERE change_log.seq = r.log_seq AND change_log.data IS NULL;
UPDATE change_log SET owner = r.enterprise_id FROM pool_events r
    WHERE change_log.seq = r.log_seq AND change_log.data IS NULL;
UPDATE change_log SET owner = '' FROM targets r
    WHERE change_log.seq = r.log_seq AND change_log.data IS NULL;
UPDATE change_log SET owner = '' FROM policy_profiles r
    WHERE change_log.seq = r.log_seq AND change_log.data IS NULL;
UPDATE change_log SET owner = r.enterprise_id FROM projects r
    WHERE change_log.seq = r.log_seq AND change_log.data IS NULL;
UPDATE change_log SET owner = r.enterprise_id FROM scale_history r
    WHERE change_log.seq = r.log_seq AND change_log.data IS NULL;
UPDATE change_log SET owner = r.enterprise_id FROM reward_claims r
    WHERE change_log.seq = r.log_seq AND change_log.data IS NULL;
UPDATE change_log SET owner = r.enterprise_id FROM entry_checklist r
    WHERE change_log.seq = r.log_seq AND change_log.data IS NULL;
UPDATE change_log SET owner = r.enterprise_id FROM annual_figures r
    WHERE change_log.seq = r.log_seq AND change_log.data IS NULL;
UPDATE change_log SET owner = r.enterprise_id FROM project_milestones r
    WHERE change_log.seq = r.log_seq AND change_log.data IS NULL;

-- Every other entry: the enterprise of its record's row, or of the record's latest
-- written-out insert when the row is gone (what the exporter's whole-log way says).
UPDATE change_log SET owner = CASE tbl
    WHEN 'townships' THEN ''
    WHEN 'departments' THEN ''
    WHEN 'enterprises' THEN change_log.row_id
    WHEN 'monthly_figures' THEN coalesce((SELECT p.enterprise_id FROM monthly_figures p WHERE p.id = change_log.row_id),
            (SELECT json_extract(l.data, '$.enterprise_id') FROM change_log l
             WHERE l.row_id = change_log.row_id AND l.tbl = 'monthly_figures' AND l.op = 'i'
             AND l.data IS NOT NULL ORDER BY l.hlc DESC LIMIT 1), '?')
    WHEN 'visits' THEN coalesce((SELECT p.enterprise_id FROM visits p WHERE p.id = change_log.row_id),
            (SELECT json_extract(l.data, '$.enterprise_id') FROM change_log l
             WHERE l.row_id = change_log.row_id AND l.tbl = 'visits' AND l.op = 'i'
             AND l.data IS NOT NULL ORDER BY l.hlc DESC LIMIT 1), '?')
    WHEN 'issues' THEN coalesce((SELECT p.enterprise_id FROM issues p WHERE p.id = change_log.row_id),
            (SELECT json_extract(l.data, '$.enterprise_id') FROM change_log l
             WHERE l.row_id = change_log.row_id AND l.tbl = 'issues' AND l.op = 'i'
             AND l.data IS NOT NULL ORDER BY l.hlc DESC LIMIT 1), '?')
    WHEN 'pool_events' THEN coalesce((SELECT p.enterprise_id FROM pool_events p WHERE p.id = change_log.row_id),
            (SELECT json_extract(l.data, '$.enterprise_id') FROM change_log l
             WHERE l.row_id = change_log.row_id AND l.tbl = 'pool_events' AND l.op = 'i'
             AND l.data IS NOT NULL ORDER BY l.hlc DESC LIMIT 1), '?')
    WHEN 'targets' THEN ''
    WHEN 'policy_profiles' THEN ''
    WHEN 'projects' THEN coalesce((SELECT p.enterprise_id FROM projects p WHERE p.id = change_log.row_id),
            (SELECT json_extract(l.data, '$.enterprise_id') FROM change_log l
             WHERE l.row_id = change_log.row_id AND l.tbl = 'projects' AND l.op = 'i'
             AND l.data IS NOT NULL ORDER BY l.hlc DESC LIMIT 1), '?')
    WHEN 'scale_history' THEN coalesce((SELECT p.enterprise_id FROM scale_history p WHERE p.id = change_log.row_id),
            (SELECT json_extract(l.data, '$.enterprise_id') FROM change_log l
             WHERE l.row_id = change_log.row_id AND l.tbl = 'scale_history' AND l.op = 'i'
             AND l.data IS NOT NULL ORDER BY l.hlc DESC LIMIT 1), '?')
    WHEN 'reward_claims' THEN coalesce((SELECT p.enterprise_id FROM reward_claims p WHERE p.id = change_log.row_id),
            (SELECT json_extract(l.data, '$.enterprise_id') FROM change_log l
             WHERE l.row_id = change_log.row_id AND l.tbl = 'reward_claims' AND l.op = 'i'
             AND l.data IS NOT NULL ORDER BY l.hlc DESC LIMIT 1), '?')
    WHEN 'entry_checklist' THEN coalesce((SELECT p.enterprise_id FROM entry_checklist p WHERE p.id = change_log.row_id),
            (SELECT json_extract(l.data, '$.enterprise_id') FROM change_log l
             WHERE l.row_id = change_log.row_id AND l.tbl = 'entry_checklist' AND l.op = 'i'
             AND l.data IS NOT NULL ORDER BY l.hlc DESC LIMIT 1), '?')
    WHEN 'annual_figures' THEN coalesce((SELECT p.enterprise_id FROM annual_figures p WHERE p.id = change_log.row_id),
            (SELECT json_extract(l.data, '$.enterprise_id') FROM change_log l
             WHERE l.row_id = change_log.row_id AND l.tbl = 'annual_figures' AND l.op = 'i'
             AND l.data IS NOT NULL ORDER BY l.hlc DESC LIMIT 1), '?')
    WHEN 'project_milestones' THEN coalesce((SELECT p.enterprise_id FROM project_milestones p WHERE p.id = change_log.row_id),
            (SELECT json_extract(l.data, '$.enterprise_id') FROM change_log l
             WHERE l.row_id = change_log.row_id AND l.tbl = 'project_milestones' AND l.op = 'i'
             AND l.data IS NOT NULL ORDER BY l.hlc DESC LIMIT 1), '?')
    ELSE '?' END
    WHERE owner IS NULL;

-- What a township has not acknowledged of an enterprise: a range (every entry, held ones too).
CREATE INDEX change_log_owner ON change_log(owner, site_id, site_seq);
-- The townships an enterprise was ever placed in (an insert's or a move's township_code).
CREATE INDEX change_log_township ON change_log(json_extract(data, '$.township_code'), row_id)
    WHERE tbl = 'enterprises' AND data IS NOT NULL;
