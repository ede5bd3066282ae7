-- A worker's district (adcode), derived from their home point like a shift's, so staff district
-- scopes apply to workers. Existing rows take the district of their newest availability record
-- that has one; the rest are derived from the point when they are read or next saved.
ALTER TABLE workers ADD COLUMN adcode TEXT;
UPDATE workers SET adcode = (
    SELECT a.adcode FROM availability a WHERE a.worker_id = workers.id AND a.adcode IS NOT NULL ORDER BY a.id DESC LIMIT 1
) WHERE adcode IS NULL;
CREATE INDEX workers_adcode ON workers (adcode);

-- Changes of a shift's point, so repeated moves (which would let an employer trilaterate a
-- worker from the distances shown) can be limited.
CREATE TABLE shift_point_edits (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    shift_id BIGINT NOT NULL REFERENCES shifts (id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX shift_point_edits_shift ON shift_point_edits (shift_id, created_at);
