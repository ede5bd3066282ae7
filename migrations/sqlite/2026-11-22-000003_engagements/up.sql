-- shifts.take_mode ('apply' | 'instant', default 'apply') already exists since the first migration.

-- One worker's part in one shift, from application (or claim, or invitation) to payment.
CREATE TABLE engagements (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    shift_id BIGINT NOT NULL REFERENCES shifts(id),
    worker_id BIGINT NOT NULL REFERENCES workers(id),
    state TEXT NOT NULL,
    -- How it began: `apply`, `claim` or `invite`.
    origin TEXT NOT NULL,
    -- The chosen slot ids (JSON list).
    slot_ids TEXT NOT NULL DEFAULT '[]',
    note TEXT NOT NULL DEFAULT '',
    -- Set when the worker applied after the shift had filled; lowest is offered the next free place.
    waitlist_position INTEGER,
    -- Whether the worker has shared name and phone with the employer (applied, claimed or accepted).
    contact_shared BOOLEAN NOT NULL DEFAULT 0,
    -- Recorded when the employer completes the engagement.
    minutes_worked INTEGER,
    amount_fen BIGINT,
    computed_amount_fen BIGINT,
    due_at TIMESTAMP,
    -- JSON list of flags, e.g. ["auto_checkout", "late_check_in"].
    flags TEXT NOT NULL DEFAULT '[]',
    -- `worker` or `employer` when that side cancelled inside the late-cancellation window.
    late_cancel_by TEXT,
    arrears_report_id BIGINT REFERENCES reports(id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    confirmed_at TIMESTAMP,
    completed_at TIMESTAMP,
    paid_at TIMESTAMP
);
CREATE UNIQUE INDEX engagements_shift_worker ON engagements(shift_id, worker_id);
CREATE INDEX engagements_worker ON engagements(worker_id, id);
CREATE INDEX engagements_state ON engagements(state);

-- Every transition, append-only.
CREATE TABLE engagement_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    engagement_id BIGINT NOT NULL REFERENCES engagements(id),
    from_state TEXT,
    to_state TEXT NOT NULL,
    action TEXT NOT NULL,
    -- NULL for the system's own timers.
    actor_user_id BIGINT REFERENCES users(id),
    actor_role TEXT NOT NULL,
    late_cancel BOOLEAN NOT NULL DEFAULT 0,
    detail TEXT NOT NULL DEFAULT '{}',
    at TIMESTAMP NOT NULL
);
CREATE INDEX engagement_events_engagement ON engagement_events(engagement_id, id);
CREATE INDEX engagement_events_at ON engagement_events(to_state, at);

CREATE TRIGGER engagement_events_no_update BEFORE UPDATE ON engagement_events
BEGIN
    SELECT RAISE(ABORT, 'engagement_events is append-only');
END;
CREATE TRIGGER engagement_events_no_delete BEFORE DELETE ON engagement_events
BEGIN
    SELECT RAISE(ABORT, 'engagement_events is append-only');
END;

-- Check-in and check-out per slot, with where the worker was.
CREATE TABLE attendance (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    engagement_id BIGINT NOT NULL REFERENCES engagements(id),
    slot_id BIGINT NOT NULL REFERENCES shift_slots(id),
    check_in_at TIMESTAMP NOT NULL,
    check_in_lat DOUBLE,
    check_in_lng DOUBLE,
    -- Metres from the shift's point.
    check_in_distance_m BIGINT,
    check_out_at TIMESTAMP,
    check_out_lat DOUBLE,
    check_out_lng DOUBLE,
    check_out_distance_m BIGINT,
    flags TEXT NOT NULL DEFAULT '[]',
    confirmed_by BIGINT REFERENCES users(id),
    corrected_by BIGINT REFERENCES users(id),
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX attendance_engagement_slot ON attendance(engagement_id, slot_id);

-- Each side rates the other once per engagement.
CREATE TABLE ratings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    engagement_id BIGINT NOT NULL REFERENCES engagements(id),
    rater_user_id BIGINT NOT NULL REFERENCES users(id),
    rater_role TEXT NOT NULL,
    ratee_user_id BIGINT NOT NULL REFERENCES users(id),
    score INTEGER NOT NULL,
    comment TEXT,
    hidden BOOLEAN NOT NULL DEFAULT 0,
    hidden_by BIGINT REFERENCES users(id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX ratings_engagement_rater ON ratings(engagement_id, rater_role);
CREATE INDEX ratings_ratee ON ratings(ratee_user_id, created_at);

-- A worker's private calendar feed (stored hashed; rotating replaces it, deleting revokes it).
CREATE TABLE calendar_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    worker_id BIGINT NOT NULL UNIQUE REFERENCES workers(id),
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL
);
