// Assigns each question of a question file to half A (tuning) or B (never looked at while
// tuning), once, when the file is written: within each style, questions ordered by the SHA-256 of
// their id alternate A, B, so both halves have the same mix. A question that already has a half
// keeps it: the split stays fixed.
//
//   node bench/quality/split-halves.ts bench/quality/questions/NAME.json
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';

const file = process.argv[2];
if (!file) throw new Error('usage: node bench/quality/split-halves.ts FILE.json');
const set = JSON.parse(readFileSync(file, 'utf8')) as {
  questions: { id: string; style: string; half?: string }[];
};
const byStyle = new Map<string, typeof set.questions>();
for (const question of set.questions) {
  if (question.half) continue;
  byStyle.set(question.style, [...(byStyle.get(question.style) ?? []), question]);
}
const hash = (id: string) => createHash('sha256').update(id).digest('hex');
for (const questions of byStyle.values()) {
  questions.sort((a, b) => hash(a.id).localeCompare(hash(b.id)));
  questions.forEach((question, i) => {
    question.half = i % 2 === 0 ? 'A' : 'B';
  });
}
// The half goes right after the id, where a reader looks for it.
set.questions = set.questions.map(({ id, half, ...rest }) => ({ id, half, ...rest }));
writeFileSync(file, `${JSON.stringify(set, null, 2)}\n`);
const count = (half: string) => set.questions.filter((question) => question.half === half).length;
console.log(`${file}: ${count('A')} in half A, ${count('B')} in half B`);
