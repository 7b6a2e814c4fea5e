-- The search index: one row per message (rowid = message id), holding chatledger.search.tokens
-- bigram tokens. Contentless: the text lives in messages; contentless_delete lets rows be removed.
CREATE VIRTUAL TABLE message_search USING fts5 (
    tokens,
    content = '',
    contentless_delete = 1,
    tokenize = 'ascii',
    detail = full
);
