-- Schema version 18: the issues raised at a visit, found through an index. The 走访记录 page
-- and an enterprise's 走访 tab count each visit's issues (services/ledger/visits.py
-- list_visits); without an index each count read every issue: 2,000 visits of a province
-- ledger (1,000,000 visits, 200,000 issues) took 58 s on the worker, one enterprise's
-- visits half a second on opening its window. Most issues are raised outside a visit: the
-- index holds only those that were.
CREATE INDEX issues_visit ON issues(visit_id) WHERE visit_id IS NOT NULL;
