CREATE TABLE "leads" (
	"id" uuid PRIMARY KEY NOT NULL,
	"workspace_id" uuid NOT NULL,
	"environment" "environment" NOT NULL,
	"chatbot_id" uuid NOT NULL,
	"conversation_id" uuid,
	"email" text NOT NULL,
	"name" text,
	"phone" text,
	"fields" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"captured_via" text NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "chatbots" ADD COLUMN "handoff_settings" jsonb DEFAULT '{"enabled":true,"phrases":["talk to a human","speak to a human","talk to a person","speak to a person","real person","human agent","live agent","talk to someone","speak to someone","customer service representative","talk to an agent","speak to an agent"],"after_fallbacks":2,"message":"You are now connected with our team. A member of our team will reply here as soon as possible."}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "chatbots" ADD COLUMN "lead_settings" jsonb DEFAULT '{"capture_from_chat":false,"ask_in_widget":false}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "leads" ADD CONSTRAINT "leads_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "leads" ADD CONSTRAINT "leads_chatbot_id_chatbots_id_fk" FOREIGN KEY ("chatbot_id") REFERENCES "public"."chatbots"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "leads" ADD CONSTRAINT "leads_conversation_id_conversations_id_fk" FOREIGN KEY ("conversation_id") REFERENCES "public"."conversations"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "leads_chatbot_email_idx" ON "leads" USING btree ("chatbot_id","email");--> statement-breakpoint
CREATE INDEX "leads_scope_idx" ON "leads" USING btree ("workspace_id","environment","id");--> statement-breakpoint
CREATE INDEX "conversations_email_idx" ON "conversations" USING btree ("workspace_id","environment","customer_email");--> statement-breakpoint
CREATE INDEX "messages_content_trgm_idx" ON "messages" USING gin ("content" gin_trgm_ops);