-- Community employment service stations (社区就业服务站). A station serves a 街道 or 乡镇; townships
-- have no coordinates in the data, so its area is the county codes it serves plus a radius
-- around its own point. Station staff belong to one station, which decides their scope.
CREATE TABLE stations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    address TEXT NOT NULL,
    lat DOUBLE NOT NULL,
    lng DOUBLE NOT NULL,
    adcode TEXT NOT NULL,
    -- County-code prefixes the station serves (JSON list, like users.scope_adcodes).
    counties TEXT NOT NULL DEFAULT '[]',
    radius_km DOUBLE NOT NULL DEFAULT 5,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at TIMESTAMP NOT NULL
);

ALTER TABLE users ADD COLUMN station_id BIGINT REFERENCES stations(id);
CREATE INDEX users_station ON users(station_id);
