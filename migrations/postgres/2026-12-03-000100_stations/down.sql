DROP INDEX users_station;
ALTER TABLE users DROP COLUMN station_id;
DROP TABLE stations;
