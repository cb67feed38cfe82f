-- Keeps the lexical index of retrieval (retrieval_postings, retrieval_terms, retrieval_corpus)
-- current from the chunks themselves: statement triggers on chunks add and remove postings and
-- counts for every insert and delete, including the deletes cascaded from documents, sources and
-- chatbots. A per-chatbot advisory lock serialises the count updates of one bot, so two
-- transactions replacing chunks of the same bot cannot deadlock on its term rows.

-- The postings of one chunk. The impact is the BM25 term-frequency part with k1 = 1.2, b = 0.75
-- and a fixed reference length of 80 distinct lexemes (chunks of ~400 tokens), so it can be
-- computed once at insert: tf' * (k1 + 1) / (tf' + k1 * (1 - b + b * lexemes / 80)), where tf'
-- counts a lexeme of the title or heading path (they lead the chunk's tsvector) twice more.
CREATE FUNCTION retrieval_postings_of(p_chatbot uuid, p_chunk uuid, p_title text, p_heading text, p_search tsvector)
RETURNS TABLE (o_chatbot uuid, o_lexeme text, o_chunk uuid, o_impact real)
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT p_chatbot, u.lexeme, p_chunk,
         (f.tf * 2.2 / (f.tf + 1.2 * (0.25 + 0.75 * length(p_search) / 80.0)))::real
  FROM (
    SELECT coalesce(max(pos), 0) AS last
    FROM unnest(to_tsvector('simple', p_title || E'\n' || p_heading)) AS s, unnest(s.positions) AS pos
  ) AS head
  CROSS JOIN unnest(p_search) AS u
  CROSS JOIN LATERAL (
    SELECT coalesce(array_length(u.positions, 1), 1)
           + CASE WHEN u.positions[1] <= head.last THEN 2 ELSE 0 END AS tf
  ) AS f
$$;
--> statement-breakpoint
CREATE FUNCTION retrieval_index_chunks() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(727002, hashtext(b.chatbot_id::text))
  FROM (SELECT DISTINCT chatbot_id FROM new_chunks ORDER BY chatbot_id) AS b;
  INSERT INTO retrieval_postings (chatbot_id, lexeme, chunk_id, impact)
  SELECT p.* FROM new_chunks AS c
  CROSS JOIN LATERAL retrieval_postings_of(c.chatbot_id, c.id, c.title, c.heading, c.search) AS p;
  INSERT INTO retrieval_terms (chatbot_id, lexeme, df)
  SELECT c.chatbot_id, u.lexeme, count(*)
  FROM new_chunks AS c CROSS JOIN LATERAL unnest(tsvector_to_array(c.search)) AS u(lexeme)
  GROUP BY 1, 2 ORDER BY 1, 2
  ON CONFLICT (chatbot_id, lexeme) DO UPDATE SET df = retrieval_terms.df + excluded.df;
  INSERT INTO retrieval_corpus (chatbot_id, chunks)
  SELECT chatbot_id, count(*) FROM new_chunks GROUP BY 1 ORDER BY 1
  ON CONFLICT (chatbot_id) DO UPDATE SET chunks = retrieval_corpus.chunks + excluded.chunks;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE FUNCTION retrieval_unindex_chunks() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(727002, hashtext(b.chatbot_id::text))
  FROM (SELECT DISTINCT chatbot_id FROM old_chunks ORDER BY chatbot_id) AS b;
  DELETE FROM retrieval_postings AS p
  USING old_chunks AS c CROSS JOIN LATERAL unnest(tsvector_to_array(c.search)) AS u(lexeme)
  WHERE p.chatbot_id = c.chatbot_id AND p.lexeme = u.lexeme AND p.chunk_id = c.id;
  UPDATE retrieval_terms AS t SET df = t.df - g.n
  FROM (
    SELECT c.chatbot_id, u.lexeme, count(*) AS n
    FROM old_chunks AS c CROSS JOIN LATERAL unnest(tsvector_to_array(c.search)) AS u(lexeme)
    GROUP BY 1, 2
  ) AS g
  WHERE t.chatbot_id = g.chatbot_id AND t.lexeme = g.lexeme;
  DELETE FROM retrieval_terms AS t
  USING (
    SELECT DISTINCT c.chatbot_id, u.lexeme
    FROM old_chunks AS c CROSS JOIN LATERAL unnest(tsvector_to_array(c.search)) AS u(lexeme)
  ) AS g
  WHERE t.chatbot_id = g.chatbot_id AND t.lexeme = g.lexeme AND t.df <= 0;
  UPDATE retrieval_corpus AS r SET chunks = r.chunks - g.n
  FROM (SELECT chatbot_id, count(*) AS n FROM old_chunks GROUP BY 1) AS g
  WHERE r.chatbot_id = g.chatbot_id;
  DELETE FROM retrieval_corpus WHERE chunks <= 0
    AND chatbot_id IN (SELECT DISTINCT chatbot_id FROM old_chunks);
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER chunks_retrieval_index AFTER INSERT ON chunks
  REFERENCING NEW TABLE AS new_chunks
  FOR EACH STATEMENT EXECUTE FUNCTION retrieval_index_chunks();
--> statement-breakpoint
CREATE TRIGGER chunks_retrieval_unindex AFTER DELETE ON chunks
  REFERENCING OLD TABLE AS old_chunks
  FOR EACH STATEMENT EXECUTE FUNCTION retrieval_unindex_chunks();
--> statement-breakpoint
-- Chunks indexed before this migration.
INSERT INTO retrieval_postings (chatbot_id, lexeme, chunk_id, impact)
SELECT p.* FROM chunks AS c
CROSS JOIN LATERAL retrieval_postings_of(c.chatbot_id, c.id, c.title, c.heading, c.search) AS p;
--> statement-breakpoint
INSERT INTO retrieval_terms (chatbot_id, lexeme, df)
SELECT c.chatbot_id, u.lexeme, count(*)
FROM chunks AS c CROSS JOIN LATERAL unnest(tsvector_to_array(c.search)) AS u(lexeme)
GROUP BY 1, 2;
--> statement-breakpoint
INSERT INTO retrieval_corpus (chatbot_id, chunks)
SELECT chatbot_id, count(*) FROM chunks GROUP BY 1;
