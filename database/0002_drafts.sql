-- Schema version 2: unfinished forms (a visit being typed when the window closed) are kept
-- inside the encrypted ledger, never in a plain file. Local to this office, not synced.
CREATE TABLE drafts (
    id         TEXT PRIMARY KEY,
    kind       TEXT NOT NULL,
    username   TEXT NOT NULL,
    content    TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- Visitors typed before, offered first in the visit form.
CREATE TABLE recent_visitors (
    name      TEXT PRIMARY KEY,
    last_used TEXT NOT NULL
);
