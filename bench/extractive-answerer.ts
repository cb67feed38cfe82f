// Extractive answerer benchmark: time per answer, the whole pipeline (parse passages, score,
// compose), as the chat route runs it on every test-mode or provider-less message.
//
//   node bench/extractive-answerer.ts                # 1,000 answers per case
//   node bench/extractive-answerer.ts --answers 5000
//
// Case "fixture": the 16 help-center passages of test/fixtures (~300–600 characters each).
// Case "8 × 2,000": 8 passages of ~2,000 characters each, the size of a real retrieval result.
// Questions cycle over answerable, unanswerable and small-talk ones. A warm-up runs first, so the
// figures are for a warm process (JIT compiled, stem cache filled), like a running server.
import { parseArgs } from 'node:util';
import { answerExtractively } from '../packages/server/src/modules/providers/extractive-answerer.ts';
import type { ChatTurn, Passage } from '../packages/server/src/modules/providers/provider-types.ts';
import { supportPassages } from '../packages/server/test/fixtures/support-passages.ts';

const { values: flags } = parseArgs({ options: { answers: { type: 'string', default: '1000' } } });
const ANSWERS = Number(flags.answers);

const questions = [
  'How do I reset my password?',
  'How much does the Pro plan cost?',
  'What is your refund policy?',
  'How long does shipping take?',
  'What are the API rate limits?',
  'Can I change my plan later?',
  'Is my data secure?',
  'How do I cancel my subscription?',
  'Do you integrate with Slack?',
  'How do I add the widget to my website?',
  'When is support available?',
  'How do I return an item?',
  'What is the capital of Peru?',
  'Do you have a mobile app?',
  'thanks!',
  'Hi, I bought the Pro plan last week but changed my mind, can I still get my money back?',
];

/** 8 passages of ~2,000 characters: the fixture's texts, joined in turn until each is long enough. */
function largePassages(): Passage[] {
  const passages: Passage[] = [];
  let source = 0;
  for (let i = 0; i < 8; i++) {
    const parts: string[] = [];
    while (parts.join('\n\n').length < 2_000)
      parts.push(supportPassages[source++ % supportPassages.length]!.text);
    passages.push({
      id: `chunk_large_${i}`,
      title: `Help article ${i + 1}`,
      url: null,
      text: parts.join('\n\n'),
    });
  }
  return passages;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function run(name: string, passages: Passage[]): void {
  const turns: ChatTurn[][] = questions.map((content) => [{ role: 'user', content }]);
  for (let i = 0; i < 200; i++) answerExtractively(turns[i % turns.length]!, passages);
  const times: number[] = [];
  for (let i = 0; i < ANSWERS; i++) {
    const start = performance.now();
    answerExtractively(turns[i % turns.length]!, passages);
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  const chars = passages.reduce((sum, p) => sum + p.text.length, 0);
  const ms = (value: number): string => `${value.toFixed(3)} ms`;
  console.log(
    `${name.padEnd(10)} ${String(passages.length).padStart(2)} passages, ${String(chars).padStart(6)} chars: ` +
      `p50 ${ms(percentile(times, 50))}  p99 ${ms(percentile(times, 99))}  max ${ms(times.at(-1)!)}  (${ANSWERS} answers)`,
  );
}

console.log(`extractive answerer, Node ${process.version}`);
run('fixture', supportPassages);
run('8 × 2,000', largePassages());
