-- Applied only where the vector extension can be created (the migration runner probes first).
-- Later migrations of this set hold the embedding tables and their HNSW indexes.
CREATE EXTENSION IF NOT EXISTS vector;
