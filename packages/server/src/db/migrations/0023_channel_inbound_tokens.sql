CREATE TABLE "channel_inbound_tokens" (
	"workspace_id" uuid NOT NULL,
	"environment" "environment" NOT NULL,
	"channel_id" uuid NOT NULL,
	"token" text NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "channel_inbound_tokens_channel_id_token_pk" PRIMARY KEY("channel_id","token")
);
--> statement-breakpoint
ALTER TABLE "channel_inbound_tokens" ADD CONSTRAINT "channel_inbound_tokens_channel_id_channels_id_fk" FOREIGN KEY ("channel_id") REFERENCES "public"."channels"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "channel_inbound_tokens_created_idx" ON "channel_inbound_tokens" USING btree ("created_at");