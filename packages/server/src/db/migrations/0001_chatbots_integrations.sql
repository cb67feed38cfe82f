CREATE TYPE "public"."integration_status" AS ENUM('active', 'failing', 'disabled');--> statement-breakpoint
CREATE TABLE "chatbots" (
	"id" uuid PRIMARY KEY NOT NULL,
	"workspace_id" uuid NOT NULL,
	"environment" "environment" NOT NULL,
	"name" text NOT NULL,
	"slug" text NOT NULL,
	"system_prompt" text NOT NULL,
	"fallback_message" text NOT NULL,
	"is_active" boolean DEFAULT true NOT NULL,
	"model_settings" jsonb NOT NULL,
	"retrieval_settings" jsonb NOT NULL,
	"widget_settings" jsonb NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"deleted_at" timestamp (3) with time zone
);
--> statement-breakpoint
CREATE TABLE "integrations" (
	"id" uuid PRIMARY KEY NOT NULL,
	"workspace_id" uuid NOT NULL,
	"environment" "environment" NOT NULL,
	"chatbot_id" uuid NOT NULL,
	"provider" text NOT NULL,
	"model" text NOT NULL,
	"embedding_model" text,
	"base_url" text,
	"api_key_encrypted" text,
	"api_key_last_four" text,
	"status" "integration_status" DEFAULT 'active' NOT NULL,
	"last_error" text,
	"last_checked_at" timestamp (3) with time zone,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "chatbots" ADD CONSTRAINT "chatbots_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "integrations" ADD CONSTRAINT "integrations_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "integrations" ADD CONSTRAINT "integrations_chatbot_id_chatbots_id_fk" FOREIGN KEY ("chatbot_id") REFERENCES "public"."chatbots"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "chatbots_slug_idx" ON "chatbots" USING btree ("workspace_id","environment","slug") WHERE "chatbots"."deleted_at" IS NULL;--> statement-breakpoint
CREATE INDEX "chatbots_scope_idx" ON "chatbots" USING btree ("workspace_id","environment","id");--> statement-breakpoint
CREATE INDEX "integrations_chatbot_idx" ON "integrations" USING btree ("chatbot_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "integrations_one_enabled_idx" ON "integrations" USING btree ("chatbot_id") WHERE "integrations"."status" <> 'disabled';