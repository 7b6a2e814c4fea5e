-- Cases: conversations from several platforms gathered under one name (one project, one dispute).
CREATE TABLE cases (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    note TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);

CREATE TABLE case_chats (
    case_id INTEGER NOT NULL REFERENCES cases (id),
    conversation_id INTEGER NOT NULL REFERENCES conversations (id),
    added_at TEXT NOT NULL,
    PRIMARY KEY (case_id, conversation_id)
) WITHOUT ROWID;
