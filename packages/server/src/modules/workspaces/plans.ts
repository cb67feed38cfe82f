// Plans and their limits. `null` means unlimited.
export interface PlanLimits {
  requests_per_minute: number | null;
  messages_per_month: number | null;
}

export type PlanTable = Record<string, PlanLimits>;

export const DEFAULT_PLANS: PlanTable = {
  free: { requests_per_minute: 60, messages_per_month: 100 },
  pro: { requests_per_minute: 300, messages_per_month: 5000 },
  enterprise: { requests_per_minute: 1000, messages_per_month: null },
};

const LIMIT_FIELDS = ['requests_per_minute', 'messages_per_month'] as const;

function checkLimit(plan: string, field: string, value: unknown): number | null {
  if (value === null) return null;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new Error(`${plan}.${field} must be a non-negative integer or null.`);
  }
  return value;
}

/** Parses PARLEY_PLANS (JSON) and merges it over the defaults, field by field. */
export function parsePlans(raw: string | null): PlanTable {
  const plans: PlanTable = structuredClone(DEFAULT_PLANS);
  if (!raw) return plans;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new Error('not valid JSON.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error('expected a JSON object of plan name to limits.');
  }
  for (const [name, limits] of Object.entries(parsed)) {
    if (!/^[a-z][a-z0-9_-]{0,31}$/.test(name)) throw new Error(`invalid plan name '${name}'.`);
    if (typeof limits !== 'object' || limits === null || Array.isArray(limits)) {
      throw new Error(`${name} must be an object of limits.`);
    }
    const base: PlanLimits = plans[name] ?? { requests_per_minute: null, messages_per_month: null };
    for (const [field, value] of Object.entries(limits)) {
      if (!(LIMIT_FIELDS as readonly string[]).includes(field)) {
        throw new Error(`${name}.${field} is not a known limit (${LIMIT_FIELDS.join(', ')}).`);
      }
      base[field as (typeof LIMIT_FIELDS)[number]] = checkLimit(name, field, value);
    }
    plans[name] = base;
  }
  return plans;
}
