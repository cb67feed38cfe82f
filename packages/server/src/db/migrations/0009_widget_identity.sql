ALTER TABLE "chatbots" ADD COLUMN "identity_secret" text;--> statement-breakpoint
ALTER TABLE "chatbots" ADD COLUMN "identity_secret_created_at" timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "conversations" ADD COLUMN "verified" boolean DEFAULT false NOT NULL;