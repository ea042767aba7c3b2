-- Schema version 7: one enrolled key per office code (SYNC.md property 7), and a record of
-- every change of a peer's key.
--
-- A peer whose key was replaced at this office (`shengui sync rekey`, 更换乡镇密钥: a township
-- reinstalled, checked by phone) keeps its row, so the names in conflicts and packages it
-- sent still read, but is no longer trusted: `revoked_at` says since when, `replaced_by` the
-- site that took over its code. Its key goes to site_key_history like a rotated one; a
-- package signed by a key in that history is refused as signed by a revoked key.
ALTER TABLE sites ADD COLUMN revoked_at TEXT;
ALTER TABLE sites ADD COLUMN replaced_by TEXT;

-- Audit log of peer keys: who pinned, followed or replaced which key, when, from which package.
CREATE TABLE site_key_events (
    id              INTEGER PRIMARY KEY,
    at              TEXT NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('enrol', 'rotation', 'rekey')),
    area_code       TEXT NOT NULL,
    name            TEXT NOT NULL,
    old_site_id     TEXT,
    old_fingerprint TEXT,
    new_site_id     TEXT NOT NULL,
    new_fingerprint TEXT NOT NULL,
    by_user         TEXT,
    package_id      TEXT,
    note            TEXT
);
CREATE INDEX site_key_events_area ON site_key_events(area_code, at);
