-- Trigram matching, for misspelled questions. Checked on PGlite (loaded as an extension) and PostgreSQL 15.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
