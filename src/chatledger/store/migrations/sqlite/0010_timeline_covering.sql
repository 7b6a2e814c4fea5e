-- The timeline index also carries id and sender: quality timing reads who spoke in which chat when in one
-- index-only scan, in (conversation, time, id) order, instead of a second scan of the sender index and a
-- join in numpy. Same name, so every INDEXED BY and ORDER BY it served still uses it.
DROP INDEX messages_timeline;
CREATE INDEX messages_timeline ON messages (conversation_id, ts_ms, id, sender_id);
