/** @jsxImportSource preact */
// Asked before the first message when the bot collects leads (`config.lead_form`): an email, a
// phone number, or either (`config.lead_contact`), and a name, optional. The browser checks the
// shape of what it can; the server decides (a number it cannot read comes back as an error).

import { useState } from 'preact/hooks';
import type { LeadContact, LeadDetails } from './types.ts';

type Props = {
  contact: LeadContact;
  onSubmit: (details: LeadDetails) => Promise<boolean>;
  firstRef: { current: HTMLInputElement | null };
};

const PROMPT: Record<LeadContact, string> = {
  email: 'Before we start, how can we reach you?',
  phone: 'Before we start, what number can we reach you on?',
  email_or_phone: 'Before we start, how can we reach you? An email or a phone number is enough.',
};

/**
 * The country a number written without "+" is read in: the region of the browser's language
 * ("en-GB" → "GB"). With none, the server asks for the international format.
 */
function browserCountry(): string | undefined {
  for (const tag of navigator.languages ?? [navigator.language]) {
    const region = /^[a-z]{2,3}-([A-Z]{2})\b/i.exec(tag ?? '')?.[1];
    if (region) return region.toUpperCase();
  }
  return undefined;
}

export function LeadForm({ contact, onSubmit, firstRef }: Props) {
  const [busy, setBusy] = useState(false);
  const [missing, setMissing] = useState(false);
  const asksEmail = contact !== 'phone';
  const asksPhone = contact !== 'email';
  const submit = async (e: Event) => {
    e.preventDefault();
    const data = new FormData(e.currentTarget as HTMLFormElement);
    const field = (name: string) => String(data.get(name) ?? '').trim();
    const [email, phone, name] = [field('email'), field('phone'), field('name')];
    if (!email && !phone) {
      setMissing(true);
      firstRef.current?.focus();
      return;
    }
    setMissing(false);
    const country = phone && !/^(\+|00)/.test(phone) ? browserCountry() : undefined;
    setBusy(true);
    await onSubmit({
      ...(email ? { email } : {}),
      ...(phone ? { phone } : {}),
      ...(country ? { country } : {}),
      ...(name ? { name } : {}),
    });
    setBusy(false);
  };
  // Either field alone is enough when either is asked for, so neither is `required` then.
  const required = contact !== 'email_or_phone';
  return (
    <form
      class="lead"
      data-testid="parley-lead-form"
      onSubmit={submit}
      onInput={() => missing && setMissing(false)}
      aria-label="Your contact details"
      noValidate={!required}
    >
      <p>{PROMPT[contact]}</p>
      {asksEmail ? (
        <label>
          Email
          <input
            ref={firstRef}
            type="email"
            name="email"
            required={required}
            autocomplete="email"
            data-testid="parley-lead-email"
          />
        </label>
      ) : null}
      {asksPhone ? (
        <label>
          Phone number
          <input
            ref={asksEmail ? undefined : firstRef}
            type="tel"
            name="phone"
            required={required}
            autocomplete="tel"
            placeholder="+1 555 010 0199"
            data-testid="parley-lead-phone"
          />
        </label>
      ) : null}
      {missing ? (
        <p class="lead-missing" role="alert" data-testid="parley-lead-missing">
          Please enter an email or a phone number.
        </p>
      ) : null}
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
