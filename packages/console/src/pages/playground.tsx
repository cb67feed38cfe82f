// Playground: chat with a bot as a visitor would, and see why it answered as it did — the
// passages retrieval found for each question with their scores, which ones the answer cited,
// and, when it fell back, the reason.
import { useMutation, useQuery } from '@tanstack/react-query';
import { useParams } from '@tanstack/react-router';
import { type FormEvent, useState } from 'react';
import { api, ok } from '../api/client.ts';
import type { ChatAnswer, Chatbot, SearchResult } from '../api/types.ts';
import { ErrorNote } from '../ui.tsx';
import { ChatbotTabs } from './chatbots.tsx';

interface Turn {
  id: number;
  question: string;
  answer: ChatAnswer | { reply: null; mode: 'human'; conversation_id: string };
  passages: SearchResult[];
}

export function PlaygroundPage() {
  const { botId } = useParams({ from: '/chatbots/$botId/playground' });
  const bot = useQuery({
    queryKey: ['chatbot', botId],
    queryFn: () => ok(api.GET('/v1/chatbots/{id}', { params: { path: { id: botId } } })),
  });
  const [turns, setTurns] = useState<Turn[]>([]);
  const [selected, setSelected] = useState<number | null>(null);
  const [message, setMessage] = useState('');
  const conversationId = turns.at(-1)?.answer.conversation_id;

  const ask = useMutation({
    mutationFn: async (question: string): Promise<Turn> => {
      const [answer, search] = await Promise.all([
        ok(
          api.POST('/v1/chatbots/{id}/chat', {
            params: { path: { id: botId } },
            body: {
              message: question,
              stream: false,
              ...(conversationId ? { conversation_id: conversationId } : {}),
            },
          }),
        ),
        ok(
          api.POST('/v1/chatbots/{id}/search', {
            params: { path: { id: botId } },
            body: { query: question },
          }),
        ),
      ]);
      return { id: Date.now(), question, answer: answer as Turn['answer'], passages: search.data };
    },
    onSuccess: (turn) => {
      setTurns((previous) => [...previous, turn]);
      setSelected(turns.length);
      setMessage('');
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (message.trim()) ask.mutate(message.trim());
  };
  const inspected = selected === null ? undefined : turns[selected];

  return (
    <section>
      <ChatbotTabs botId={botId} />
      <div className="split">
        <div className="chat card">
          <h2>Chat as a visitor</h2>
          <ol className="messages" aria-live="polite">
            {turns.map((turn, index) => (
              <li key={turn.id}>
                <p className="msg user">{turn.question}</p>
                <button
                  type="button"
                  className={`msg assistant ${selected === index ? 'selected' : ''}`}
                  data-testid="playground-answer"
                  onClick={() => setSelected(index)}
                  aria-pressed={selected === index}
                >
                  {turn.answer.reply ?? 'Handed over to a person.'}
                  {'grounded' in turn.answer && !turn.answer.grounded && (
                    <span className="tag">fallback</span>
                  )}
                </button>
              </li>
            ))}
          </ol>
          <form className="composer" onSubmit={submit}>
            <label className="sr-only" htmlFor="playground-message">
              Message
            </label>
            <input
              id="playground-message"
              value={message}
              placeholder="Ask something…"
              onChange={(e) => setMessage(e.target.value)}
            />
            <button type="submit" disabled={ask.isPending}>
              {ask.isPending ? 'Asking…' : 'Send'}
            </button>
          </form>
          <ErrorNote error={ask.error} />
          {turns.length > 0 && (
            <button type="button" className="link" onClick={() => setTurns([])}>
              New conversation
            </button>
          )}
        </div>
        <aside className="card inspector" aria-label="Retrieval inspector" data-testid="inspector">
          <h2>Retrieval inspector</h2>
          {inspected && bot.data ? (
            <Inspector turn={inspected} bot={bot.data} />
          ) : (
            <p>Ask a question to see what was found.</p>
          )}
        </aside>
      </div>
    </section>
  );
}

function Inspector({ turn, bot }: { turn: Turn; bot: Chatbot }) {
  const answer = turn.answer;
  const cited = new Set('sources_used' in answer ? answer.sources_used.map((source) => source.chunk_id) : []);
  const minRelevance = bot.retrieval_settings.min_relevance;
  return (
    <>
      <p className="small">
        “{turn.question}” · {turn.passages.length} passages found · minimum relevance {minRelevance}
      </p>
      {'grounded' in answer && (
        <p data-testid="grounded">
          {answer.grounded
            ? `Answered from ${cited.size} cited passage${cited.size === 1 ? '' : 's'} (${answer.provider}, ${answer.latency_ms} ms).`
            : `Fell back: ${fallbackReason(turn.passages, minRelevance)}`}
        </p>
      )}
      <ol className="passages">
        {turn.passages.map((passage) => (
          <li
            key={passage.chunk_id}
            className={cited.has(passage.chunk_id) ? 'cited' : ''}
            data-testid="passage"
          >
            <div className="row">
              <strong>{passage.title}</strong>
              <span className="score">score {passage.score.toFixed(3)}</span>
              {cited.has(passage.chunk_id) && <span className="tag">cited</span>}
            </div>
            {passage.heading && <div className="muted small">{passage.heading}</div>}
            <p className="small">
              {passage.text.length > 400 ? `${passage.text.slice(0, 400)}…` : passage.text}
            </p>
          </li>
        ))}
      </ol>
    </>
  );
}

function fallbackReason(passages: SearchResult[], minRelevance: number): string {
  if (passages.length === 0) return 'nothing in the knowledge matched the question.';
  const best = Math.max(...passages.map((passage) => passage.score));
  if (best < minRelevance) {
    return `the best passage scored ${best.toFixed(3)}, under the minimum relevance of ${minRelevance}.`;
  }
  return 'passages were found, but none of them answered the question well enough to quote.';
}
