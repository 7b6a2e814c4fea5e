-- Authenticity findings: what the checks run at the end of each import noticed about that source
-- (chatledger.integrity.authenticity). ``messages`` is a JSON array of the messages a finding rests on.
CREATE TABLE authenticity_findings (
    id INTEGER PRIMARY KEY,
    source_id INTEGER NOT NULL REFERENCES sources (id),
    check_name TEXT NOT NULL,
    severity TEXT NOT NULL,
    conversation_id INTEGER REFERENCES conversations (id),
    message_count INTEGER NOT NULL,
    explanation_en TEXT NOT NULL,
    explanation_zh TEXT NOT NULL,
    messages TEXT NOT NULL DEFAULT '[]',
    detail TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX authenticity_findings_source ON authenticity_findings (source_id);

-- Which sources were checked (in their import's transaction, so at sources.imported_at), and by which
-- chatledger; sources imported before this migration were not.
CREATE TABLE authenticity_runs (
    source_id INTEGER PRIMARY KEY REFERENCES sources (id),
    chatledger_version TEXT NOT NULL
);
