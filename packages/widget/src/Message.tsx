/** @jsxImportSource preact */
// One message in the list. Bot and agent replies are Markdown (rendered safely, see
// markdown.tsx); the visitor's own and system messages are plain text.

import type { JSX } from 'preact';
import { ThumbDownIcon, ThumbUpIcon } from './icons.tsx';
import { ExternalLink, renderMarkdown, safeUrl } from './markdown.tsx';
import type { ThreadMessage } from './thread.ts';
import type { Source } from './types.ts';

type Props = {
  message: ThreadMessage;
  /** Set when the message can be rated: a finished bot answer in a conversation. */
  onRate?: (id: string, rating: 'up' | 'down') => void;
};

export function MessageView({ message, onRate }: Props) {
  const { role } = message;
  if (message.streaming && !message.content) return <Typing />;
  const rich = role === 'assistant' || role === 'agent';
  return (
    <div class={`msg ${role}`} data-testid="parley-message" data-role={role} data-message-id={message.id}>
      {role === 'agent' && message.author_name ? <span class="author">{message.author_name}</span> : null}
      {rich ? renderMarkdown(message.content, message.sources ?? []) : message.content}
      {message.interrupted ? <p class="note">The reply was cut short.</p> : null}
      {role === 'assistant' ? <Sources sources={message.sources ?? []} /> : null}
      {role === 'assistant' && onRate && !message.local && !message.streaming ? (
        <Feedback id={message.id} value={message.feedback ?? null} onRate={onRate} />
      ) : null}
    </div>
  );
}

/** The assistant preparing its reply, or `name`, a person of the team, typing one. */
export function Typing({ name }: { name?: string } = {}) {
  return (
    <div
      class="msg assistant"
      data-testid={name ? 'parley-agent-typing' : 'parley-typing'}
      role="status"
      aria-label={name ? `${name} is typing` : 'The assistant is typing'}
    >
      <div class="typing" aria-hidden="true">
        <span />
        <span />
        <span />
      </div>
    </div>
  );
}

/** The documents an answer used, each once, only with a URL that is safe to open. */
function Sources({ sources }: { sources: Source[] }) {
  const seen = new Set<string>();
  const links: { href: string; title: string }[] = [];
  for (const source of sources) {
    const href = safeUrl(source.url);
    if (!href || seen.has(href)) continue;
    seen.add(href);
    links.push({ href, title: source.title?.trim() || href });
  }
  if (links.length === 0) return null;
  return (
    <div class="sources">
      <p>Sources</p>
      <ol>
        {links.map((link) => (
          <li key={link.href}>
            <ExternalLink href={link.href} testid="parley-source">
              {link.title}
            </ExternalLink>
          </li>
        ))}
      </ol>
    </div>
  );
}

function Feedback(props: { id: string; value: 'up' | 'down' | null; onRate: Props['onRate'] & {} }) {
  const button = (rating: 'up' | 'down', label: string, Icon: () => JSX.Element) => (
    <button
      type="button"
      class="thumb"
      data-testid={`parley-thumbs-${rating}`}
      aria-label={label}
      aria-pressed={props.value === rating}
      title={label}
      onClick={() => props.value !== rating && props.onRate(props.id, rating)}
    >
      <Icon />
    </button>
  );
  return (
    <div class="actions">
      {button('up', 'Helpful answer', ThumbUpIcon)}
      {button('down', 'Unhelpful answer', ThumbDownIcon)}
    </div>
  );
}
