/** @jsxImportSource preact */
// Asked before the first message when the bot collects leads (`config.lead_form`): an email,
// required, and a name, optional. The browser checks the email's shape; the server decides.

import { useState } from 'preact/hooks';

type Props = {
  onSubmit: (email: string, name: string) => Promise<boolean>;
  emailRef: { current: HTMLInputElement | null };
};

export function LeadForm({ onSubmit, emailRef }: Props) {
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const data = new FormData(form);
    const email = String(data.get('email') ?? '').trim();
    if (!email) return;
    setBusy(true);
    await onSubmit(email, String(data.get('name') ?? '').trim());
    setBusy(false);
  };
  return (
    <form class="lead" data-testid="parley-lead-form" onSubmit={submit} aria-label="Your contact details">
      <p>Before we start, how can we reach you?</p>
      <label>
        Email
        <input
          ref={emailRef}
          type="email"
          name="email"
          required
          autocomplete="email"
          data-testid="parley-lead-email"
        />
      </label>
      <label>
        Name (optional)
        <input type="text" name="name" autocomplete="name" data-testid="parley-lead-name" />
      </label>
      <button type="submit" data-testid="parley-lead-submit" disabled={busy}>
        Start chatting
      </button>
    </form>
  );
}
