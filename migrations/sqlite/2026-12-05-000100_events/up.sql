-- Recruitment events (专场招聘): staff hold one on site, online or both, for target groups and
-- occupations; employers join and attach shifts they posted the normal way; workers register
-- interest, get a reminder, and check in at the venue. A check-in keeps only that it happened and
-- when (a check-in place is 行踪轨迹, sensitive under 个人信息保护法 Art. 28).
CREATE TABLE events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    starts_at TIMESTAMP NOT NULL,
    ends_at TIMESTAMP NOT NULL,
    address TEXT,
    lat DOUBLE,
    lng DOUBLE,
    adcode TEXT NOT NULL,
    online_url TEXT,
    organiser TEXT NOT NULL,
    -- JSON lists of key-group codes and occupation codes.
    target_groups TEXT NOT NULL DEFAULT '[]',
    categories TEXT NOT NULL DEFAULT '[]',
    -- Random per event: the check-in QR code carries it, so a check-in link cannot be made up.
    checkin_secret TEXT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX events_starts ON events(status, starts_at);

CREATE TABLE event_employers (
    event_id BIGINT NOT NULL REFERENCES events(id),
    employer_id BIGINT NOT NULL REFERENCES employers(id),
    joined_at TIMESTAMP NOT NULL,
    PRIMARY KEY (event_id, employer_id)
);

CREATE TABLE event_shifts (
    event_id BIGINT NOT NULL REFERENCES events(id),
    shift_id BIGINT NOT NULL REFERENCES shifts(id),
    employer_id BIGINT NOT NULL REFERENCES employers(id),
    attached_at TIMESTAMP NOT NULL,
    PRIMARY KEY (event_id, shift_id)
);
CREATE INDEX event_shifts_shift ON event_shifts(shift_id);

CREATE TABLE event_interests (
    event_id BIGINT NOT NULL REFERENCES events(id),
    worker_id BIGINT NOT NULL REFERENCES workers(id),
    created_at TIMESTAMP NOT NULL,
    reminded_at TIMESTAMP,
    PRIMARY KEY (event_id, worker_id)
);
CREATE INDEX event_interests_pending ON event_interests(reminded_at);

CREATE TABLE event_checkins (
    event_id BIGINT NOT NULL REFERENCES events(id),
    worker_id BIGINT NOT NULL REFERENCES workers(id),
    checked_in_at TIMESTAMP NOT NULL,
    -- The staff member who checked the worker in at the desk; none for a scan of the QR code.
    by_user_id BIGINT REFERENCES users(id),
    PRIMARY KEY (event_id, worker_id)
);
