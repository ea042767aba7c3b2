-- Schema version 5: the window. The ledger page lists enterprises by township and name;
-- this index lets it paint the first screen at once (LIMIT over an ordered index) while
-- the full in-memory index loads on a worker.
CREATE INDEX enterprises_ledger_order ON enterprises(township_code, name);
