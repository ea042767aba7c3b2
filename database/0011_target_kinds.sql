-- Schema version 11 (issue 16): targets of every kind the documents set, not only the net
-- increase of a year. kind: 'net' 净增 (entries − exits in `year`), 'new' 新增 (entries in
-- `year`), 'cumulative' 累计新增 (entries from `year` to `until_year`), 'stock' 规上企业总数
-- (enterprises above scale at the end of `until_year`, progress counted from `year`).
-- `net_increase` holds the number asked for, whatever the kind. Rows written before this
-- version are net targets of one year.
ALTER TABLE targets ADD COLUMN kind TEXT NOT NULL DEFAULT 'net'
    CHECK (kind IN ('net', 'new', 'cumulative', 'stock'));
ALTER TABLE targets ADD COLUMN until_year INTEGER;
