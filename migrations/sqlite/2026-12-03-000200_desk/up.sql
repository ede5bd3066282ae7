-- 求职登记 / 用工登记 at a community station's desk; see the PostgreSQL migration for the why.
-- SQLite cannot alter a column's NOT NULL, so `users` is rebuilt the way SQLite documents
-- (https://www.sqlite.org/lang_altertable.html#otheralter): foreign keys off, copy, swap, check.
PRAGMA foreign_keys = OFF;
BEGIN;
CREATE TABLE users_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    role TEXT NOT NULL,
    phone TEXT UNIQUE,
    password_hash TEXT NOT NULL,
    display_name TEXT NOT NULL,
    email TEXT,
    disabled BOOLEAN NOT NULL DEFAULT 0,
    created_by BIGINT REFERENCES users(id),
    created_at TIMESTAMP NOT NULL,
    scope_adcodes TEXT NOT NULL DEFAULT '[]',
    station_id BIGINT REFERENCES stations(id),
    desk_station_id BIGINT REFERENCES stations(id),
    desk_managed BOOLEAN NOT NULL DEFAULT 0
);
INSERT INTO users_new (id, role, phone, password_hash, display_name, email, disabled, created_by, created_at, scope_adcodes, station_id)
    SELECT id, role, phone, password_hash, display_name, email, disabled, created_by, created_at, scope_adcodes, station_id FROM users;
DROP TABLE users;
ALTER TABLE users_new RENAME TO users;
CREATE INDEX users_station ON users(station_id);
CREATE INDEX users_desk_station ON users(desk_station_id, created_at);

CREATE TABLE claim_codes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL REFERENCES users(id),
    code_hash TEXT NOT NULL UNIQUE,
    station_id BIGINT REFERENCES stations(id),
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    tries_left INTEGER NOT NULL,
    ended_at TIMESTAMP,
    ended_how TEXT
);
CREATE INDEX claim_codes_user ON claim_codes(user_id, id);

CREATE TABLE consents (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL REFERENCES users(id),
    kind TEXT NOT NULL,
    given BOOLEAN NOT NULL,
    wording TEXT NOT NULL,
    recorded_by BIGINT REFERENCES users(id),
    station_id BIGINT REFERENCES stations(id),
    recorded_at TIMESTAMP NOT NULL
);
CREATE INDEX consents_user ON consents(user_id, kind, id);

ALTER TABLE employers ADD COLUMN checked_in_person TEXT;
-- The station whose desk opened an engagement for the worker (the station's figures count them).
ALTER TABLE engagements ADD COLUMN by_station_id BIGINT REFERENCES stations(id);
CREATE INDEX engagements_by_station ON engagements(by_station_id, created_at);

-- The daily mail to a station's staff with the day's new shifts nearby (送岗位进社区): one row per
-- station and local day, written before the mail, so replicas never send a day twice.
CREATE TABLE station_digests (
    station_id BIGINT NOT NULL REFERENCES stations(id),
    -- The local day, YYYY-MM-DD.
    day TEXT NOT NULL,
    shifts INTEGER NOT NULL,
    sent_at TIMESTAMP NOT NULL,
    PRIMARY KEY (station_id, day)
);
COMMIT;
PRAGMA foreign_keys = ON;
