-- Match alerts: a worker's standing request to be mailed new shifts that match either one of
-- their availability records or a saved search.
CREATE TABLE alert_subscriptions (
    id BIGSERIAL PRIMARY KEY,
    worker_id BIGINT NOT NULL REFERENCES workers(id) ON DELETE CASCADE,
    -- 'availability' (place, radius, categories, pay and windows come from that record, read at
    -- match time so edits apply) or 'search' (the fields below).
    source TEXT NOT NULL,
    availability_id BIGINT REFERENCES availability(id) ON DELETE CASCADE,
    -- The saved query words (`q` in the API).
    keywords TEXT NOT NULL DEFAULT '',
    lat DOUBLE PRECISION,
    lng DOUBLE PRECISION,
    radius_km DOUBLE PRECISION,
    categories TEXT NOT NULL DEFAULT '[]',
    min_pay_fen BIGINT,
    pay_unit TEXT,
    -- 'instant' or 'daily'.
    frequency TEXT NOT NULL,
    -- Kept as issued: every mail is composed later by a background job and must carry the link.
    -- It only ever unsubscribes this one subscription.
    unsubscribe_token TEXT NOT NULL UNIQUE,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP NOT NULL,
    last_digest_at TIMESTAMP
);
CREATE INDEX alert_subscriptions_worker ON alert_subscriptions(worker_id);
CREATE INDEX alert_subscriptions_active ON alert_subscriptions(active);

-- One row per shift announced to a subscription. The unique pair is what keeps "each shift at
-- most once per subscription" true when several replicas run the alert job at the same time.
CREATE TABLE alert_deliveries (
    id BIGSERIAL PRIMARY KEY,
    subscription_id BIGINT NOT NULL REFERENCES alert_subscriptions(id) ON DELETE CASCADE,
    shift_id BIGINT NOT NULL REFERENCES shifts(id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    -- Daily subscriptions: when the digest that listed it was queued (NULL: still to be sent).
    sent_in_digest_at TIMESTAMP,
    UNIQUE (subscription_id, shift_id)
);
CREATE INDEX alert_deliveries_undigested ON alert_deliveries(subscription_id, sent_in_digest_at);

-- Where a background job got to, shared by every replica.
CREATE TABLE job_cursors (
    name TEXT PRIMARY KEY NOT NULL,
    position BIGINT NOT NULL
);
