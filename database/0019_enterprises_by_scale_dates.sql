-- Schema version 19: the enterprises that entered or left the statistics in a year, found
-- through two indexes. A year's target progress (新增, 退规, 净增: services/policy/targets.py
-- _moves) read every enterprise: at the province (100,000 enterprises) about 100 ms each
-- time 乡镇与部门, 目标任务 or the home page's target chart was drawn, on the window's
-- thread for 乡镇与部门. Most enterprises have neither date: the indexes hold only those that do.
-- held inserts stay held: indexes only (storage/migrations.py)
CREATE INDEX enterprises_entered ON enterprises(entered_stats_date) WHERE entered_stats_date IS NOT NULL;
CREATE INDEX enterprises_exited ON enterprises(exited_stats_date) WHERE exited_stats_date IS NOT NULL;
