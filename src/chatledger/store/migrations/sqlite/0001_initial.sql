-- The archive: original files, conversations, handles, messages and where each message was seen.
CREATE TABLE sources (
    id INTEGER PRIMARY KEY,
    sha256 TEXT NOT NULL UNIQUE,
    md5 TEXT NOT NULL,
    size INTEGER NOT NULL,
    original_name TEXT NOT NULL,
    original_path TEXT NOT NULL,
    modified_at TEXT,
    format TEXT NOT NULL,
    importer_version TEXT NOT NULL,
    chatledger_version TEXT NOT NULL,
    imported_at TEXT NOT NULL,
    imported_by TEXT NOT NULL,
    timezone TEXT NOT NULL,
    encoding TEXT,
    message_count INTEGER NOT NULL DEFAULT 0,
    new_message_count INTEGER NOT NULL DEFAULT 0,
    conversation_count INTEGER NOT NULL DEFAULT 0,
    meta TEXT NOT NULL DEFAULT '{}'
);

CREATE TABLE conversations (
    id INTEGER PRIMARY KEY,
    platform TEXT NOT NULL,
    platform_id TEXT NOT NULL,
    title TEXT NOT NULL,
    kind TEXT NOT NULL,
    UNIQUE (platform, platform_id)
);

CREATE TABLE participants (
    id INTEGER PRIMARY KEY,
    platform TEXT NOT NULL,
    platform_id TEXT NOT NULL,
    display_name TEXT NOT NULL,
    aliases TEXT NOT NULL DEFAULT '[]',
    is_self INTEGER,
    UNIQUE (platform, platform_id)
);

-- id = ts_seconds * 16 + n: ids follow time, so newest-first search needs no sort.
CREATE TABLE messages (
    id INTEGER PRIMARY KEY,
    key BLOB NOT NULL UNIQUE,
    conversation_id INTEGER NOT NULL REFERENCES conversations (id),
    sender_id INTEGER REFERENCES participants (id),
    sender_name TEXT,
    ts_ms INTEGER NOT NULL,
    utc_offset_min INTEGER NOT NULL,
    precision TEXT NOT NULL,
    kind TEXT NOT NULL,
    text TEXT NOT NULL,
    platform_msg_id TEXT,
    reply_to TEXT,
    forwarded_from TEXT,
    edited_ts_ms INTEGER,
    ordinal INTEGER NOT NULL,
    first_source_id INTEGER NOT NULL REFERENCES sources (id),
    locator TEXT NOT NULL,  -- where the first source holds it (line, JSON path)
    extra TEXT
);
CREATE INDEX messages_timeline ON messages (conversation_id, ts_ms);

-- Every further source a message was read from (the first is messages.first_source_id), and where.
CREATE TABLE sightings (
    message_id INTEGER NOT NULL REFERENCES messages (id),
    source_id INTEGER NOT NULL REFERENCES sources (id),
    locator TEXT NOT NULL,
    PRIMARY KEY (message_id, source_id)
) WITHOUT ROWID;

-- The span of each conversation a source covered: messages inside it that the source lacks are
-- "not seen in that source".
CREATE TABLE coverage (
    source_id INTEGER NOT NULL REFERENCES sources (id),
    conversation_id INTEGER NOT NULL REFERENCES conversations (id),
    message_count INTEGER NOT NULL,
    first_ts_ms INTEGER NOT NULL,
    last_ts_ms INTEGER NOT NULL,
    PRIMARY KEY (source_id, conversation_id)
) WITHOUT ROWID;

CREATE TABLE attachments (
    id INTEGER PRIMARY KEY,
    message_id INTEGER NOT NULL REFERENCES messages (id),
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    path TEXT,
    size INTEGER,
    sha256 TEXT,
    md5 TEXT,
    mime_type TEXT
);
CREATE INDEX attachments_message ON attachments (message_id);
