ALTER TABLE "channel_threads" ADD COLUMN "last_inbound_at" timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "channels" ADD COLUMN "verify_token_sealed" text;--> statement-breakpoint
ALTER TABLE "channels" ADD COLUMN "settings" jsonb DEFAULT '{}'::jsonb NOT NULL;