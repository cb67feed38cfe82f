// One entry point to the fake LLM providers, by Parley provider name: an OpenAI-compatible
// integration talks to the OpenAI fake, as it would to vLLM or LM Studio.
import type { LlmProvider } from '../../src/modules/providers/provider-types.ts';
import { startFakeAnthropic } from './fake-anthropic.ts';
import { startFakeGemini } from './fake-gemini.ts';
import type { FakeLlmServer, FakeServerOptions } from './fake-llm-server.ts';
import { startFakeOllama } from './fake-ollama.ts';
import { startFakeOpenAI } from './fake-openai.ts';

export type {
  FakeBehavior,
  FakeLlmServer,
  FakeReply,
  RecordedRequest,
  SentPrompt,
} from './fake-llm-server.ts';
export { DEFAULT_REPLY, fakeVector } from './fake-llm-server.ts';
export { startFakeAnthropic, startFakeGemini, startFakeOllama, startFakeOpenAI };

const STARTERS: Record<LlmProvider, (options?: FakeServerOptions) => Promise<FakeLlmServer>> = {
  openai: startFakeOpenAI,
  gemini: startFakeGemini,
  anthropic: startFakeAnthropic,
  ollama: startFakeOllama,
  openai_compatible: startFakeOpenAI,
};

export function startFakeProvider(
  provider: LlmProvider,
  options?: FakeServerOptions,
): Promise<FakeLlmServer> {
  return STARTERS[provider](options);
}
