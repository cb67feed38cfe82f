ALTER TABLE "webhooks" ADD COLUMN "previous_secrets" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
UPDATE "webhooks" SET "previous_secrets" = jsonb_build_array(jsonb_build_object('sealed', "previous_secret_sealed", 'expires_at', to_char("previous_secret_expires_at" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))) WHERE "previous_secret_sealed" IS NOT NULL AND "previous_secret_expires_at" > now();--> statement-breakpoint
ALTER TABLE "webhooks" DROP COLUMN "previous_secret_sealed";--> statement-breakpoint
ALTER TABLE "webhooks" DROP COLUMN "previous_secret_expires_at";