-- People: one person links handles (participants) on several platforms.
CREATE TABLE people (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE person_handles (
    participant_id INTEGER PRIMARY KEY REFERENCES participants (id),
    person_id INTEGER NOT NULL REFERENCES people (id),
    linked_at TEXT NOT NULL,
    how TEXT NOT NULL  -- 'manual' or the suggestion rule the user accepted
);
CREATE INDEX person_handles_person ON person_handles (person_id);
