-- Schema: what a person enters for the policy rules (issue 16, item 1). Projects get their
-- kind, investment, planned and actual dates, expected output and responsible unit, and
-- milestones of their own (节点任务, a synced record each, so two offices ticking two tasks
-- never conflict); reward claims get a status the county decides, its date and note, an
-- evidence note, and may name any reward rule of the profile.

-- Projects: 新建项目 / 技改项目 / 重点项目. production_start_date stays the actual start of
-- production (投产日期); the pool rules read it, and the planned one while it is empty.
ALTER TABLE projects ADD COLUMN kind TEXT NOT NULL DEFAULT 'new_build'
    CHECK (kind IN ('new_build', 'tech_upgrade', 'key'));
ALTER TABLE projects ADD COLUMN investment INTEGER CHECK (investment IS NULL OR investment >= 0);
ALTER TABLE projects ADD COLUMN planned_start_date TEXT;
ALTER TABLE projects ADD COLUMN actual_start_date TEXT;
ALTER TABLE projects ADD COLUMN planned_completion_date TEXT;
ALTER TABLE projects ADD COLUMN actual_completion_date TEXT;
ALTER TABLE projects ADD COLUMN planned_production_date TEXT;
ALTER TABLE projects ADD COLUMN expected_output INTEGER
    CHECK (expected_output IS NULL OR expected_output >= 0);
ALTER TABLE projects ADD COLUMN responsible_unit TEXT;

-- Milestones (节点任务) of a project. enterprise_id makes it a record of the enterprise for
-- sync (who may write it, which township receives it), like every child record.
CREATE TABLE project_milestones (
    id            TEXT PRIMARY KEY,
    project_id    TEXT NOT NULL,
    enterprise_id TEXT NOT NULL,
    name          TEXT NOT NULL,
    due_date      TEXT,
    done_date     TEXT,
    note          TEXT,
    log_seq       INTEGER
);
CREATE INDEX project_milestones_project ON project_milestones(project_id, due_date);
CREATE INDEX project_milestones_enterprise ON project_milestones(enterprise_id);

-- Reward claims: a CHECK cannot be altered in place, so the table is made again with the new
-- kind 'award' (a claim under a named reward rule of any profile: `rule` is its code) and the
-- status columns. The view over the change log names the table; it is remade after every
-- migration (storage/held.py), and dropped here so the rename finds nothing pointing at it.
DROP VIEW IF EXISTS change_entries;
CREATE TABLE reward_claims_new (
    id            TEXT PRIMARY KEY,
    enterprise_id TEXT NOT NULL,
    year          INTEGER NOT NULL,
    kind          TEXT NOT NULL
                  CHECK (kind IN ('tech_upgrade', 'bid_contract', 'local_contribution', 'award')),
    rule          TEXT,
    description   TEXT NOT NULL,
    amount        INTEGER NOT NULL CHECK (amount >= 0),
    bid_region    TEXT CHECK (bid_region IS NULL OR bid_region IN
                              ('same_city', 'other_city_in_province', 'outside_province')),
    public_tender INTEGER,
    recorded_on   TEXT,
    evidence      TEXT,
    status        TEXT NOT NULL DEFAULT 'claimed'
                  CHECK (status IN ('claimed', 'reviewing', 'paid', 'rejected')),
    decided_on    TEXT,
    decision_note TEXT,
    log_seq       INTEGER
);
INSERT INTO reward_claims_new (id, enterprise_id, year, kind, description, amount, bid_region,
                               public_tender, recorded_on, log_seq)
    SELECT id, enterprise_id, year, kind, description, amount, bid_region, public_tender,
           recorded_on, log_seq FROM reward_claims;
DROP TABLE reward_claims;
ALTER TABLE reward_claims_new RENAME TO reward_claims;
CREATE INDEX reward_claims_year ON reward_claims(year, enterprise_id);
CREATE INDEX reward_claims_enterprise ON reward_claims(enterprise_id, rule);
