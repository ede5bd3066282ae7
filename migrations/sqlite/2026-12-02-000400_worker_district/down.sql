DROP INDEX shift_point_edits_shift;
DROP TABLE shift_point_edits;
DROP INDEX workers_adcode;
ALTER TABLE workers DROP COLUMN adcode;
