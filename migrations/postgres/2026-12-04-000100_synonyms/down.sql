DROP TABLE synonyms;
