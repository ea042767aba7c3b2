-- Schema version 17 (issue 22 item 4): form templates travel from the county to the townships
-- (一表通). The county registers a template — the .xlsx itself, checked there and checked again
-- by every township that receives it —, with its name, the department that asks for it, the
-- due date, the period it asks for and to whom it goes; it may withdraw it or move the due
-- date, and those travel too. Each township answers with one return per template (filled,
-- sent), which travels back to the county.

-- A county-wide record (sync/rules.py: county): every township's package carries it; a
-- township lists only those addressed to it. content: the .xlsx as base64 (a change's data
-- is JSON), at most 2 MB before encoding; content_sha256 and size are of the .xlsx bytes.
-- recipients: a JSON array of township codes, NULL for every township. period: 'YYYY-MM',
-- 'YYYY' or NULL (the township chooses).
CREATE TABLE form_templates (
    id             TEXT PRIMARY KEY,
    name           TEXT NOT NULL,
    department     TEXT NOT NULL,
    due_date       TEXT NOT NULL,
    period         TEXT,
    recipients     TEXT,
    file_name      TEXT NOT NULL,
    content        TEXT NOT NULL,
    content_sha256 TEXT NOT NULL,
    size           INTEGER NOT NULL CHECK (size > 0),
    sent_on        TEXT NOT NULL,
    withdrawn_on   TEXT,
    note           TEXT,
    log_seq        INTEGER
);
CREATE INDEX form_templates_due ON form_templates(due_date);

-- A township's answer to a template (sync/rules.py: township, owned by township_code): one
-- per template and township (its id is made from the two, so two copies of a township's
-- ledger write the same record). filled_on: the day it was filled here; sent_on: the day the
-- cadre marked it 已报送.
CREATE TABLE form_returns (
    id            TEXT PRIMARY KEY,
    template_id   TEXT NOT NULL,
    township_code TEXT NOT NULL,
    filled_on     TEXT,
    sent_on       TEXT,
    log_seq       INTEGER
);
CREATE INDEX form_returns_template ON form_returns(template_id, township_code);
