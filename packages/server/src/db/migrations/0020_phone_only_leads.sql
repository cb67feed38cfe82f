ALTER TABLE "leads" ALTER COLUMN "email" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "leads" ADD COLUMN "phone_key" text;--> statement-breakpoint
CREATE UNIQUE INDEX "leads_chatbot_phone_only_idx" ON "leads" USING btree ("chatbot_id","phone_key") WHERE "leads"."email" IS NULL;--> statement-breakpoint
CREATE INDEX "leads_chatbot_phone_key_idx" ON "leads" USING btree ("chatbot_id","phone_key");--> statement-breakpoint
ALTER TABLE "leads" ADD CONSTRAINT "leads_email_or_phone" CHECK ("leads"."email" IS NOT NULL OR "leads"."phone_key" IS NOT NULL);--> statement-breakpoint
-- Earlier leads' numbers written internationally with only digits and separators (as WhatsApp
-- numbers were stored) get their key, so a later capture of that number finds them.
UPDATE "leads" SET "phone_key" = '+' || regexp_replace("phone", '[^0-9]', '', 'g') WHERE "phone" ~ '^\s*\+[1-9][0-9 ().-]*$' AND length(regexp_replace("phone", '[^0-9]', '', 'g')) BETWEEN 7 AND 15;
