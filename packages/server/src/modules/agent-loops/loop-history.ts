// What the model is shown at each turn, rebuilt from the recorded steps alone: a resumed
// execution continues from exactly what an uninterrupted one would have had.
import type { ModelMessage } from 'ai';
import type { StepRow } from './agent-loop-schemas.ts';

export function firstMessage(input: unknown): ModelMessage {
  const text =
    input === null || input === undefined
      ? 'Start.'
      : typeof input === 'string'
        ? input
        : `Input:\n${JSON.stringify(input, null, 2)}`;
  return { role: 'user', content: text };
}

/** The result the model sees for a finished tool step. */
function resultOf(step: StepRow): unknown {
  if (step.status === 'succeeded') return step.output ?? null;
  return { error: { code: step.errorCode, message: step.errorMessage } };
}

export function historyOf(input: unknown, steps: StepRow[]): ModelMessage[] {
  const messages: ModelMessage[] = [firstMessage(input)];
  for (const step of steps) {
    if (step.kind === 'model' && step.status === 'succeeded') {
      messages.push({
        role: 'assistant',
        content: [
          ...(step.text ? [{ type: 'text' as const, text: step.text }] : []),
          ...(step.toolCalls ?? []).map((call) => ({
            type: 'tool-call' as const,
            toolCallId: call.id,
            toolName: call.name,
            input: call.input,
          })),
        ],
      });
    } else if (step.kind === 'tool' && (step.status === 'succeeded' || step.status === 'failed')) {
      messages.push({
        role: 'tool',
        content: [
          {
            type: 'tool-result',
            toolCallId: step.toolCallId!,
            toolName: step.tool!,
            output: { type: 'json', value: (resultOf(step) ?? null) as never },
          },
        ],
      });
    }
  }
  return messages;
}

/** The tool calls of the last model turn that have no finished tool step yet, in order. */
export function pendingCalls(steps: StepRow[]): { id: string; name: string; input: unknown }[] {
  const lastModel = steps.findLast((step) => step.kind === 'model' && step.status === 'succeeded');
  if (!lastModel) return [];
  const done = new Set(
    steps
      .filter((step) => step.kind === 'tool' && ['succeeded', 'failed'].includes(step.status))
      .map((step) => step.toolCallId),
  );
  return (lastModel.toolCalls ?? []).filter((call) => !done.has(call.id));
}

/** True when the last two finished tool steps were this same tool with this same input. */
export function repeatsTwice(steps: StepRow[], name: string, input: unknown): boolean {
  const tools = steps.filter((step) => step.kind === 'tool' && step.status !== 'started').slice(-2);
  const same = JSON.stringify(input);
  return (
    tools.length === 2 && tools.every((step) => step.tool === name && JSON.stringify(step.input) === same)
  );
}
