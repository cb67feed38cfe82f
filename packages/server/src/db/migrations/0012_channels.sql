CREATE TYPE "public"."channel_status" AS ENUM('active', 'disconnected', 'disabled');--> statement-breakpoint
CREATE TABLE "channel_deliveries" (
	"id" uuid PRIMARY KEY NOT NULL,
	"workspace_id" uuid NOT NULL,
	"environment" "environment" NOT NULL,
	"channel_id" uuid NOT NULL,
	"direction" text NOT NULL,
	"platform_message_id" text,
	"status" text DEFAULT 'pending' NOT NULL,
	"payload" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"conversation_id" uuid,
	"message_id" uuid,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"error" text,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "channel_threads" (
	"id" uuid PRIMARY KEY NOT NULL,
	"workspace_id" uuid NOT NULL,
	"environment" "environment" NOT NULL,
	"channel_id" uuid NOT NULL,
	"external_id" text NOT NULL,
	"conversation_id" uuid NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "channels" (
	"id" uuid PRIMARY KEY NOT NULL,
	"workspace_id" uuid NOT NULL,
	"environment" "environment" NOT NULL,
	"chatbot_id" uuid NOT NULL,
	"type" text NOT NULL,
	"name" text,
	"status" "channel_status" DEFAULT 'active' NOT NULL,
	"last_error" text,
	"bot_token_sealed" text,
	"webhook_secret_sealed" text,
	"mode" text NOT NULL,
	"account" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"poll_offset" bigint DEFAULT 0 NOT NULL,
	"last_checked_at" timestamp (3) with time zone,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "channel_deliveries" ADD CONSTRAINT "channel_deliveries_channel_id_channels_id_fk" FOREIGN KEY ("channel_id") REFERENCES "public"."channels"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "channel_threads" ADD CONSTRAINT "channel_threads_channel_id_channels_id_fk" FOREIGN KEY ("channel_id") REFERENCES "public"."channels"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "channel_threads" ADD CONSTRAINT "channel_threads_conversation_id_conversations_id_fk" FOREIGN KEY ("conversation_id") REFERENCES "public"."conversations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "channels" ADD CONSTRAINT "channels_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "channels" ADD CONSTRAINT "channels_chatbot_id_chatbots_id_fk" FOREIGN KEY ("chatbot_id") REFERENCES "public"."chatbots"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "channel_deliveries_platform_idx" ON "channel_deliveries" USING btree ("channel_id","platform_message_id");--> statement-breakpoint
CREATE INDEX "channel_deliveries_channel_idx" ON "channel_deliveries" USING btree ("channel_id","id");--> statement-breakpoint
CREATE INDEX "channel_deliveries_pending_idx" ON "channel_deliveries" USING btree ("channel_id","id") WHERE status = 'pending';--> statement-breakpoint
CREATE UNIQUE INDEX "channel_threads_external_idx" ON "channel_threads" USING btree ("channel_id","external_id");--> statement-breakpoint
CREATE INDEX "channel_threads_conversation_idx" ON "channel_threads" USING btree ("conversation_id");--> statement-breakpoint
CREATE INDEX "channels_chatbot_idx" ON "channels" USING btree ("chatbot_id","id");