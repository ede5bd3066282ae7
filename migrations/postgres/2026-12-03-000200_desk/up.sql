-- 求职登记 / 用工登记 at a community station's desk. A person registered there may have no phone
-- (the login until now), so `users.phone` becomes optional; such an account is run by its
-- station until the person takes it over with a one-time claim code.
ALTER TABLE users ALTER COLUMN phone DROP NOT NULL;
ALTER TABLE users ADD COLUMN desk_station_id BIGINT REFERENCES stations(id);
-- True while the station acts for the account (no one has claimed it yet).
ALTER TABLE users ADD COLUMN desk_managed BOOLEAN NOT NULL DEFAULT FALSE;
CREATE INDEX users_desk_station ON users(desk_station_id, created_at);

-- One-time claim codes printed on the desk slip: only a hash is kept. A new code for the same
-- account (a lost slip, a password reset after an identity check) revokes the older ones.
CREATE TABLE claim_codes (
    id BIGSERIAL PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id),
    code_hash TEXT NOT NULL UNIQUE,
    station_id BIGINT REFERENCES stations(id),
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    tries_left INTEGER NOT NULL,
    -- Set when used or revoked; a code with it set never works again.
    ended_at TIMESTAMP,
    ended_how TEXT
);
CREATE INDEX claim_codes_user ON claim_codes(user_id, id);

-- What a person consented to, when, and who recorded it (个人信息保护法 Art. 29: sensitive
-- information such as key-group status and location needs its own, separate consent). Rows are
-- only added: a withdrawal is a new row with given = false.
CREATE TABLE consents (
    id BIGSERIAL PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id),
    -- `registration`, `key_groups`, `location`, `id_number`.
    kind TEXT NOT NULL,
    given BOOLEAN NOT NULL,
    -- The words the person agreed to, as shown to them.
    wording TEXT NOT NULL,
    recorded_by BIGINT REFERENCES users(id),
    station_id BIGINT REFERENCES stations(id),
    recorded_at TIMESTAMP NOT NULL
);
CREATE INDEX consents_user ON consents(user_id, kind, id);

-- A household or individual business registered at a desk after an in-person check: how it was
-- checked, by whom, at which station. It counts as verification.
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
