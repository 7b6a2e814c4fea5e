-- The search index, compact and exact (issue 3). message_search is rebuilt from messages by the store
-- after this migration (chatledger.search.tokens: bigrams, run-final characters and separators).
-- Contentless without docsize (columnsize = 0): the text lives in messages only; a row is removed
-- with FTS5's 'delete' command and the tokens recomputed from messages.text.
-- The tokenize option must equal chatledger.search.tokens.TOKENIZER (a test checks it).
DROP TABLE message_search;
CREATE VIRTUAL TABLE message_search USING fts5 (
    tokens,
    content = '',
    columnsize = 0,
    tokenize = "ascii tokenchars ' !""#$%&''()*+,-./:;<=>?@[\]^_`{|}~'",
    detail = full
);
-- The distinct letters and digits of each message, without positions: one-character queries read a
-- single doclist here (newest first, stopping at the page) instead of merging every bigram that
-- starts with the character.
CREATE VIRTUAL TABLE message_chars USING fts5 (
    chars,
    content = '',
    columnsize = 0,
    tokenize = "ascii tokenchars ' !""#$%&''()*+,-./:;<=>?@[\]^_`{|}~'",
    detail = none
);
-- How many messages hold each character: the exact count of a one-character query with no filter,
-- kept in the same transaction as message_chars.
CREATE TABLE message_char_counts (
    char TEXT PRIMARY KEY,
    messages INTEGER NOT NULL
) WITHOUT ROWID;
