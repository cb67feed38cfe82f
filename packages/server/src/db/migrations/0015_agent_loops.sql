CREATE TABLE "agent_loop_executions" (
	"id" uuid PRIMARY KEY NOT NULL,
	"workspace_id" uuid NOT NULL,
	"environment" "environment" NOT NULL,
	"loop_id" uuid NOT NULL,
	"status" text DEFAULT 'queued' NOT NULL,
	"triggered_by" text NOT NULL,
	"input" jsonb,
	"output" jsonb,
	"error_code" text,
	"error_message" text,
	"step_count" integer DEFAULT 0 NOT NULL,
	"tool_call_count" integer DEFAULT 0 NOT NULL,
	"tokens_used" integer DEFAULT 0 NOT NULL,
	"started_at" timestamp (3) with time zone,
	"finished_at" timestamp (3) with time zone,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "agent_loop_steps" (
	"id" uuid PRIMARY KEY NOT NULL,
	"execution_id" uuid NOT NULL,
	"seq" integer NOT NULL,
	"kind" text NOT NULL,
	"status" text NOT NULL,
	"text" text,
	"tool_calls" jsonb,
	"input_tokens" integer,
	"output_tokens" integer,
	"tool" text,
	"tool_call_id" text,
	"input" jsonb,
	"output" jsonb,
	"error_code" text,
	"error_message" text,
	"idempotency_key" text,
	"decided_by" text,
	"decided_at" timestamp (3) with time zone,
	"duration_ms" integer,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp (3) with time zone
);
--> statement-breakpoint
CREATE TABLE "agent_loops" (
	"id" uuid PRIMARY KEY NOT NULL,
	"workspace_id" uuid NOT NULL,
	"environment" "environment" NOT NULL,
	"chatbot_id" uuid NOT NULL,
	"name" text NOT NULL,
	"instructions" text NOT NULL,
	"tools" jsonb NOT NULL,
	"trigger" jsonb NOT NULL,
	"limits" jsonb NOT NULL,
	"allowed_hosts" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"secrets_sealed" text,
	"on_unknown_outcome" text DEFAULT 'fail' NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"next_run_at" timestamp (3) with time zone,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "agent_loop_executions" ADD CONSTRAINT "agent_loop_executions_loop_id_agent_loops_id_fk" FOREIGN KEY ("loop_id") REFERENCES "public"."agent_loops"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "agent_loop_steps" ADD CONSTRAINT "agent_loop_steps_execution_id_agent_loop_executions_id_fk" FOREIGN KEY ("execution_id") REFERENCES "public"."agent_loop_executions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "agent_loops" ADD CONSTRAINT "agent_loops_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "agent_loops" ADD CONSTRAINT "agent_loops_chatbot_id_chatbots_id_fk" FOREIGN KEY ("chatbot_id") REFERENCES "public"."chatbots"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "agent_loop_executions_loop_idx" ON "agent_loop_executions" USING btree ("loop_id","id");--> statement-breakpoint
CREATE INDEX "agent_loop_executions_open_idx" ON "agent_loop_executions" USING btree ("loop_id") WHERE "agent_loop_executions"."status" in ('queued', 'running', 'awaiting_approval');--> statement-breakpoint
CREATE UNIQUE INDEX "agent_loop_steps_seq_idx" ON "agent_loop_steps" USING btree ("execution_id","seq");--> statement-breakpoint
CREATE INDEX "agent_loops_tenant_idx" ON "agent_loops" USING btree ("workspace_id","environment","id");--> statement-breakpoint
CREATE INDEX "agent_loops_due_idx" ON "agent_loops" USING btree ("next_run_at") WHERE "agent_loops"."next_run_at" is not null;