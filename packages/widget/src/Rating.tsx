/** @jsxImportSource preact */
// Asked once the team has resolved the conversation: a rating from 1 to 5 and an optional
// comment, sent once (the team sees them in GET /v1/analytics/csat). Writing again reopens the
// conversation instead; the prompt then waits for the next resolution.

import { useState } from 'preact/hooks';

const LABELS = ['Very unhappy', 'Unhappy', 'Neutral', 'Happy', 'Very happy'];

type Props = { onSubmit: (rating: number, comment: string) => Promise<boolean> };

export function Rating({ onSubmit }: Props) {
  const [rating, setRating] = useState(0);
  const [comment, setComment] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    if (!rating) return;
    setBusy(true);
    await onSubmit(rating, comment);
    setBusy(false);
  };
  return (
    <form class="rating" data-testid="parley-rating" aria-labelledby="parley-rating-title" onSubmit={submit}>
      <p id="parley-rating-title">How was the help you got?</p>
      <fieldset class="stars">
        <legend class="sr-only">Your rating, from 1 to 5</legend>
        {LABELS.map((label, i) => (
          <button
            type="button"
            key={label}
            aria-pressed={rating === i + 1}
            aria-label={`${i + 1} of 5: ${label}`}
            title={label}
            class={i < rating ? 'on' : ''}
            data-testid="parley-rating-option"
            data-value={i + 1}
            onClick={() => setRating(i + 1)}
          >
            ★
          </button>
        ))}
      </fieldset>
      {rating ? (
        <>
          <label class="sr-only" for="parley-rating-comment">
            Comment (optional)
          </label>
          <textarea
            id="parley-rating-comment"
            rows={2}
            maxLength={2000}
            value={comment}
            placeholder="Anything to add? (optional)"
            data-testid="parley-rating-comment"
            onInput={(e) => setComment((e.currentTarget as HTMLTextAreaElement).value)}
          />
          <button type="submit" class="submit" data-testid="parley-rating-send" disabled={busy}>
            Send rating
          </button>
        </>
      ) : null}
    </form>
  );
}
