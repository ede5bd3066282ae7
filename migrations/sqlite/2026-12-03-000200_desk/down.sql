-- Not reversible on SQLite without another rebuild; the columns and tables go, phone stays optional.
DROP TABLE station_digests;
DROP INDEX engagements_by_station;
ALTER TABLE engagements DROP COLUMN by_station_id;
ALTER TABLE employers DROP COLUMN checked_in_person;
DROP TABLE consents;
DROP TABLE claim_codes;
DROP INDEX users_desk_station;
ALTER TABLE users DROP COLUMN desk_managed;
ALTER TABLE users DROP COLUMN desk_station_id;
