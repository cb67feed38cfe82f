// Turns the API's loop fields into stored settings, refusing what could never run: an unknown
// time zone or cron expression, a tool named twice, an event trigger without its event.
import { Cron } from 'croner';
import type { LoopLimits, LoopToolSetting, LoopTrigger } from '../../db/schema.ts';
import { AppError } from '../../lib/errors.ts';
import { DEFAULT_LIMITS, type ToolName } from './agent-loop-schemas.ts';

export type ToolInput = ToolName | { name: ToolName; needs_approval?: boolean };

export interface TriggerInput {
  type: 'manual' | 'cron' | 'event';
  schedules?: { cron: string; timezone?: string }[];
  overlap?: 'skip' | 'queue';
  event?: string;
  filter?: Record<string, string>;
}

export interface LimitsInput {
  max_steps?: number;
  max_tool_calls?: number;
  timeout_seconds?: number;
  token_budget?: number;
}

export function cleanTools(tools: ToolInput[]): LoopToolSetting[] {
  const seen = new Set<string>();
  return tools.map((tool, index) => {
    const setting =
      typeof tool === 'string'
        ? { name: tool, needsApproval: false }
        : { name: tool.name, needsApproval: tool.needs_approval ?? false };
    if (seen.has(setting.name)) {
      throw AppError.invalid(
        'duplicate_tool',
        `The tool '${setting.name}' is listed twice.`,
        `tools.${index}`,
      );
    }
    seen.add(setting.name);
    return setting;
  });
}

function checkTimezone(timezone: string, param: string): void {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
  } catch {
    throw AppError.invalid(
      'invalid_timezone',
      `'${timezone}' is not a known time zone (use an IANA name such as Europe/Paris).`,
      param,
    );
  }
}

/** A cron job that never fires: croner parses it and computes its next times. */
export function cronOf(cron: string, timezone: string): Cron {
  return new Cron(cron, { timezone, paused: true, mode: '5-part' });
}

export function cleanTrigger(trigger: TriggerInput): LoopTrigger {
  switch (trigger.type) {
    case 'manual':
      return { type: 'manual' };
    case 'cron': {
      if (!trigger.schedules?.length) {
        throw AppError.invalid(
          'invalid_trigger',
          'A cron trigger needs `schedules`: [{"cron": "0 8 * * *", "timezone": "Europe/Paris"}].',
          'trigger.schedules',
        );
      }
      const schedules = trigger.schedules.map((schedule, index) => {
        const timezone = schedule.timezone ?? 'UTC';
        checkTimezone(timezone, `trigger.schedules.${index}.timezone`);
        try {
          cronOf(schedule.cron, timezone);
        } catch (error) {
          throw AppError.invalid(
            'invalid_cron',
            `'${schedule.cron}' is not a valid cron expression of five fields: ${(error as Error).message}`,
            `trigger.schedules.${index}.cron`,
          );
        }
        return { cron: schedule.cron, timezone };
      });
      return { type: 'cron', schedules, overlap: trigger.overlap ?? 'skip' };
    }
    case 'event':
      if (!trigger.event) {
        throw AppError.invalid(
          'invalid_trigger',
          'An event trigger needs `event`, e.g. "conversation.escalated".',
          'trigger.event',
        );
      }
      return { type: 'event', event: trigger.event, filter: trigger.filter ?? {} };
  }
}

export function cleanLimits(
  limits: LimitsInput | undefined,
  current: LoopLimits = DEFAULT_LIMITS,
): LoopLimits {
  return {
    maxSteps: limits?.max_steps ?? current.maxSteps,
    maxToolCalls: limits?.max_tool_calls ?? current.maxToolCalls,
    timeoutSeconds: limits?.timeout_seconds ?? current.timeoutSeconds,
    tokenBudget: limits?.token_budget ?? current.tokenBudget,
  };
}

const HOST = /^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(:\d{1,5})?$/;

export function cleanHosts(hosts: string[]): string[] {
  return hosts.map((host, index) => {
    const cleaned = host.trim().toLowerCase();
    if (!HOST.test(cleaned)) {
      throw AppError.invalid(
        'invalid_host',
        `'${host}' is not a host name (e.g. api.example.com or *.example.com; no scheme or path).`,
        `allowed_hosts.${index}`,
      );
    }
    return cleaned;
  });
}

/** The next time any of the trigger's schedules fires after `after`, or null for other triggers. */
export function nextRunOf(trigger: LoopTrigger, after: Date): Date | null {
  if (trigger.type !== 'cron') return null;
  let next: Date | null = null;
  for (const schedule of trigger.schedules) {
    const run = cronOf(schedule.cron, schedule.timezone).nextRun(after);
    if (run && (!next || run < next)) next = run;
  }
  return next;
}
