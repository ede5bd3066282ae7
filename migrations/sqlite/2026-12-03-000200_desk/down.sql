-- Not reversible on SQLite without another rebuild; the columns and tables go, phone stays optional.
ALTER TABLE employers DROP COLUMN checked_in_person;
DROP TABLE consents;
DROP TABLE claim_codes;
DROP INDEX users_desk_station;
ALTER TABLE users DROP COLUMN desk_managed;
ALTER TABLE users DROP COLUMN desk_station_id;
