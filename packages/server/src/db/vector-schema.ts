// pgvector objects are created by the custom migrations in db/migrations-vector, applied only
// where `CREATE EXTENSION vector` succeeds. This file exists so drizzle-kit can keep that set.
export {};
