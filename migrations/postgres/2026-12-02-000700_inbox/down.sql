DROP INDEX inbox_user;
DROP TABLE inbox;
