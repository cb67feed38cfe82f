// Column types and columns that many tables share.
import { pgEnum, timestamp } from 'drizzle-orm/pg-core';

export const environmentEnum = pgEnum('environment', ['live', 'test']);

/** created_at and updated_at, as every table that changes has them. */
export const timestamps = {
  createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
};
