CREATE TABLE "retrieval_corpus" (
	"chatbot_id" uuid PRIMARY KEY NOT NULL,
	"chunks" integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE "retrieval_postings" (
	"chatbot_id" uuid NOT NULL,
	"lexeme" text NOT NULL,
	"chunk_id" uuid NOT NULL,
	"impact" real NOT NULL
);
--> statement-breakpoint
CREATE TABLE "retrieval_terms" (
	"chatbot_id" uuid NOT NULL,
	"lexeme" text NOT NULL,
	"df" integer NOT NULL,
	CONSTRAINT "retrieval_terms_chatbot_id_lexeme_pk" PRIMARY KEY("chatbot_id","lexeme")
);
--> statement-breakpoint
CREATE INDEX "retrieval_postings_idx" ON "retrieval_postings" USING btree ("chatbot_id","lexeme","chunk_id","impact");--> statement-breakpoint
CREATE INDEX "retrieval_terms_trgm_idx" ON "retrieval_terms" USING gin ("lexeme" gin_trgm_ops);