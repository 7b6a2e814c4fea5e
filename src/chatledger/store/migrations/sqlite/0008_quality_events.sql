-- System events and recalls that carry a sender: a tiny partial index so quality timing can leave them
-- out without scanning the message table.
CREATE INDEX messages_events ON messages (id) WHERE kind IN ('system', 'recall');
