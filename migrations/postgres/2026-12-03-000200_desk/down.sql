ALTER TABLE employers DROP COLUMN checked_in_person;
DROP TABLE consents;
DROP TABLE claim_codes;
DROP INDEX users_desk_station;
ALTER TABLE users DROP COLUMN desk_managed;
ALTER TABLE users DROP COLUMN desk_station_id;
ALTER TABLE users ALTER COLUMN phone SET NOT NULL;
