-- Synonym groups staff add (the built-in ones live in src/search/synonyms.rs): each row is one
-- group of interchangeable words, space separated, e.g. '跑单 送餐'.
CREATE TABLE synonyms (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    words TEXT NOT NULL UNIQUE,
    created_by BIGINT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);
