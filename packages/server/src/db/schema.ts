// The database schema, one file per domain under schema/. drizzle-kit generates migrations from
// this file (and what it re-exports); see db/migrations.

export * from './schema/agent-loops.ts';
export * from './schema/channels.ts';
export * from './schema/chatbots.ts';
export * from './schema/columns.ts';
export * from './schema/conversations.ts';
export * from './schema/events.ts';
export * from './schema/inbox.ts';
export * from './schema/knowledge.ts';
export * from './schema/people.ts';
export * from './schema/workspaces.ts';
