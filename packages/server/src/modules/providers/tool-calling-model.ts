// A model turn with tools, over the AI SDK's tool calling: the model answers with text and the
// tool calls it wants; Parley runs the tools itself (agent loops record each call as a step), so
// the SDK is given the tools' schemas only, never an `execute`, and makes exactly one call.
import { generateText, jsonSchema, type ModelMessage, type ToolSet, tool } from 'ai';
import { prepare, toUsage } from './ai-sdk-models.ts';
import type { ProviderConnection, ProviderOptions, Usage } from './provider-types.ts';

export interface ToolSpec {
  name: string;
  description: string;
  /** A JSON schema of an object: the tool's input. */
  inputSchema: Record<string, unknown>;
}

export interface ToolCallRequest {
  id: string;
  name: string;
  input: unknown;
}

export interface ToolTurn {
  text: string;
  toolCalls: ToolCallRequest[];
  usage: Usage;
}

export interface ToolCallingModel {
  provider: string;
  model: string;
  turn(request: {
    system: string;
    messages: ModelMessage[];
    tools: ToolSpec[];
    maxOutputTokens?: number;
    signal?: AbortSignal;
  }): Promise<ToolTurn>;
}

export function createToolCallingModel(
  connection: ProviderConnection,
  options: ProviderOptions = {},
): ToolCallingModel {
  const { maxRetries, start } = prepare(connection, options);
  return {
    provider: connection.provider,
    model: connection.model,
    async turn(request) {
      const { call, sdk } = start(request.signal);
      const tools: ToolSet = Object.fromEntries(
        request.tools.map((spec) => [
          spec.name,
          tool({ description: spec.description, inputSchema: jsonSchema(spec.inputSchema as never) }),
        ]),
      );
      try {
        const result = await generateText({
          model: sdk.language(connection.model),
          instructions: request.system,
          messages: request.messages,
          tools,
          maxOutputTokens: request.maxOutputTokens,
          maxRetries,
          abortSignal: call.signal,
        });
        return {
          text: result.text,
          toolCalls: result.toolCalls.map((part) => ({
            id: part.toolCallId,
            name: part.toolName,
            input: part.input,
          })),
          usage: toUsage(result.totalUsage),
        };
      } catch (error) {
        throw call.failure(error);
      } finally {
        call.end();
      }
    },
  };
}
