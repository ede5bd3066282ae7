-- The in-app inbox (站内信): every notification queued for an account, kept as the outbox keeps
-- it (kind and payload) and worded when read, so wording fixes reach old items.
CREATE TABLE inbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    read_at TIMESTAMP
);
CREATE INDEX inbox_user ON inbox (user_id, id);
