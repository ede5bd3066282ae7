ALTER TABLE shifts DROP COLUMN minutes_per_piece;
