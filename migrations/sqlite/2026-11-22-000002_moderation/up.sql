ALTER TABLE shifts ADD COLUMN probation_days INTEGER NOT NULL DEFAULT 0;
-- The listing rules' findings for the current content (JSON), and the highest risk among them.
ALTER TABLE shifts ADD COLUMN findings TEXT NOT NULL DEFAULT '[]';
ALTER TABLE shifts ADD COLUMN risk INTEGER NOT NULL DEFAULT 0;
ALTER TABLE shifts ADD COLUMN rejection_code TEXT;
ALTER TABLE shifts ADD COLUMN rejection_reason TEXT;
-- Hidden from search until reviewed because enough independent reports came in.
ALTER TABLE shifts ADD COLUMN hidden_by_reports BOOLEAN NOT NULL DEFAULT 0;

ALTER TABLE employers ADD COLUMN blocked BOOLEAN NOT NULL DEFAULT 0;
ALTER TABLE employers ADD COLUMN blocked_reason TEXT;
ALTER TABLE employers ADD COLUMN blocked_at TIMESTAMP;

-- Adcode prefixes a staff member may act on (JSON list; empty means everywhere).
ALTER TABLE users ADD COLUMN scope_adcodes TEXT NOT NULL DEFAULT '[]';

-- Append-only record of every staff action.
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    actor_id BIGINT NOT NULL REFERENCES users(id),
    action TEXT NOT NULL,
    target_type TEXT NOT NULL,
    target_id BIGINT NOT NULL,
    reason TEXT,
    before_state TEXT,
    after_state TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX audit_log_target ON audit_log(target_type, target_id);

-- 投诉举报: from anyone, signed in or not.
CREATE TABLE reports (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    reporter_id BIGINT REFERENCES users(id),
    -- Lets an anonymous reporter follow the report (stored hashed).
    follow_token_hash TEXT NOT NULL,
    reporter_email TEXT,
    -- A salted hash of who reported (user id or client address), so independent reports can be
    -- counted without keeping the address.
    reporter_key TEXT NOT NULL,
    target_type TEXT NOT NULL,
    target_id BIGINT NOT NULL,
    employer_id BIGINT NOT NULL REFERENCES employers(id),
    kind TEXT NOT NULL,
    description TEXT NOT NULL,
    status TEXT NOT NULL,
    resolution TEXT,
    resolved_by BIGINT REFERENCES users(id),
    created_at TIMESTAMP NOT NULL,
    resolved_at TIMESTAMP
);
CREATE INDEX reports_target ON reports(target_type, target_id, status);
CREATE INDEX reports_employer ON reports(employer_id, status);

-- Transactional outbox: written in the same transaction as the change that causes the mail.
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    recipient TEXT,
    lang TEXT NOT NULL DEFAULT 'zh',
    payload TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    locked_until TIMESTAMP,
    locked_by TEXT,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP
);
CREATE INDEX outbox_due ON outbox(status, next_attempt_at);

-- The audit log is append-only, enforced by the database itself.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
