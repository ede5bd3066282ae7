-- Idempotency-Key of creating POSTs: the first request's result, kept 24 h so a client whose
-- connection dropped can retry safely (services/idempotency.rs). `status` is NULL while the first
-- request is still running. `scope` is the account (`user:ID`) or, signed out, the client address.
CREATE TABLE idempotency_keys (
    scope TEXT NOT NULL,
    idem_key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    status INTEGER,
    content_type TEXT,
    response_body TEXT,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (scope, idem_key)
);
CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);
