ALTER TABLE "chatbots" ALTER COLUMN "lead_settings" SET DEFAULT '{"capture_from_chat":false,"ask_in_widget":false,"widget_contact":"email"}'::jsonb;--> statement-breakpoint
-- Bots made before the widget could ask for a phone number keep asking for an email.
UPDATE "chatbots" SET "lead_settings" = "lead_settings" || '{"widget_contact":"email"}'::jsonb WHERE "lead_settings"->'widget_contact' IS NULL;
