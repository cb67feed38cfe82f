CREATE TABLE "person_notices" (
	"id" uuid PRIMARY KEY NOT NULL,
	"workspace_id" uuid NOT NULL,
	"environment" "environment" NOT NULL,
	"user_id" uuid NOT NULL,
	"conversation_id" uuid NOT NULL,
	"reason" text NOT NULL,
	"ref_id" uuid NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"queued_at" timestamp (3) with time zone,
	"attempts" integer DEFAULT 0 NOT NULL,
	"done_at" timestamp (3) with time zone,
	"outcome" text
);
--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "availability_changed_at" timestamp (3) with time zone DEFAULT now() NOT NULL;--> statement-breakpoint
ALTER TABLE "person_notices" ADD CONSTRAINT "person_notices_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "person_notices" ADD CONSTRAINT "person_notices_conversation_id_conversations_id_fk" FOREIGN KEY ("conversation_id") REFERENCES "public"."conversations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "person_notices_waiting_idx" ON "person_notices" USING btree ("user_id","conversation_id","reason") WHERE "person_notices"."done_at" IS NULL;--> statement-breakpoint
CREATE INDEX "person_notices_due_idx" ON "person_notices" USING btree ("created_at") WHERE "person_notices"."done_at" IS NULL;--> statement-breakpoint
-- Every ended session (signed out, signed out everywhere, a password reset, the person removed,
-- expired sessions purged) is announced to every node, which ends the event streams it opened.
CREATE FUNCTION user_sessions_ended() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('parley_sessions', OLD.id::text);
  RETURN OLD;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER user_sessions_ended AFTER DELETE ON "user_sessions"
FOR EACH ROW EXECUTE FUNCTION user_sessions_ended();
