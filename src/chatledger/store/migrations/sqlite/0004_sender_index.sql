-- Messages by sender: search's from: filter and per-person views start from it.
CREATE INDEX messages_sender ON messages (sender_id);
