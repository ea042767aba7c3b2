-- Schema version 9: annual figures (年度数), as the lists a county starts from give them
-- (统计局, 税务局, 工信: one row per enterprise with a year's 营业收入, 工业总产值 …).
-- Kept as a year's amounts, not spread over months. A complete monthly series of the same
-- year (twelve months) wins over the annual figure wherever a year's total is used
-- (domain/annual.py). Amounts in integer yuan, electricity in kWh, as monthly_figures.
-- Synced like monthly_figures: the id is derived from (enterprise, year), so two offices
-- entering one enterprise's year write the same record; a township writes its own
-- enterprises' annual figures. `source` says which list gave them (its file name).
-- (IF NOT EXISTS: a test ledger wound back to an earlier version number already has it.)
CREATE TABLE IF NOT EXISTS annual_figures (
    id              TEXT PRIMARY KEY,
    enterprise_id   TEXT NOT NULL,
    year            INTEGER NOT NULL,
    revenue         INTEGER,
    output_value    INTEGER,
    tax_paid        INTEGER,
    electricity_kwh INTEGER,
    employees       INTEGER,
    source          TEXT,
    log_seq         INTEGER
);
CREATE UNIQUE INDEX IF NOT EXISTS annual_figures_enterprise_year ON annual_figures(enterprise_id, year);
CREATE INDEX IF NOT EXISTS annual_figures_year ON annual_figures(year);
