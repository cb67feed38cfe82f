-- Chunk embeddings, for chatbots whose integration has an embedding model. Models differ in
-- dimensions, so the column is an untyped vector and each common size gets its own partial
-- HNSW index over a typed cast (queries filter on the same dimensions to use it).
CREATE TABLE IF NOT EXISTS chunk_embeddings (
  chunk_id uuid PRIMARY KEY REFERENCES chunks(id) ON DELETE CASCADE,
  chatbot_id uuid NOT NULL,
  model text NOT NULL,
  dimensions integer NOT NULL,
  embedding vector NOT NULL
);
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS chunk_embeddings_chatbot_idx ON chunk_embeddings (chatbot_id, dimensions);
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS chunk_embeddings_hnsw_384 ON chunk_embeddings USING hnsw ((embedding::vector(384)) vector_cosine_ops) WHERE dimensions = 384;
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS chunk_embeddings_hnsw_768 ON chunk_embeddings USING hnsw ((embedding::vector(768)) vector_cosine_ops) WHERE dimensions = 768;
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS chunk_embeddings_hnsw_1024 ON chunk_embeddings USING hnsw ((embedding::vector(1024)) vector_cosine_ops) WHERE dimensions = 1024;
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS chunk_embeddings_hnsw_1536 ON chunk_embeddings USING hnsw ((embedding::vector(1536)) vector_cosine_ops) WHERE dimensions = 1536;
