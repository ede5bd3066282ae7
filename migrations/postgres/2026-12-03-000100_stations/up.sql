-- Community employment service stations (社区就业服务站). A station serves a 街道 or 乡镇; townships
-- have no coordinates in the data, so its area is the county codes it serves plus a radius
-- around its own point. Station staff belong to one station, which decides their scope.
CREATE TABLE stations (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    address TEXT NOT NULL,
    lat DOUBLE PRECISION NOT NULL,
    lng DOUBLE PRECISION NOT NULL,
    adcode TEXT NOT NULL,
    -- County-code prefixes the station serves (JSON list, like users.scope_adcodes).
    counties TEXT NOT NULL DEFAULT '[]',
    radius_km DOUBLE PRECISION NOT NULL DEFAULT 5,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at TIMESTAMP NOT NULL
);

ALTER TABLE users ADD COLUMN station_id BIGINT REFERENCES stations(id);
CREATE INDEX users_station ON users(station_id);
