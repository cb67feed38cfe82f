-- The sizes of static embedding models (Model2Vec's potion models: 256 and 512 dimensions), which
-- a local model folder (PARLEY_EMBEDDING_MODEL_DIR) holds, get their partial HNSW indexes too.
CREATE INDEX IF NOT EXISTS chunk_embeddings_hnsw_256 ON chunk_embeddings USING hnsw ((embedding::vector(256)) vector_cosine_ops) WHERE dimensions = 256;
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS chunk_embeddings_hnsw_512 ON chunk_embeddings USING hnsw ((embedding::vector(512)) vector_cosine_ops) WHERE dimensions = 512;
