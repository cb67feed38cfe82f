// Signing in with email and password, and redeeming an invitation or password-reset link
// (/app/accept-invite?token=…, /app/reset-password?token=…), which sets a password and signs in;
// the first owner's link (/app/setup?token=…, printed at start while nobody is in the workspace).
import { useMutation } from '@tanstack/react-query';
import { useNavigate, useSearch } from '@tanstack/react-router';
import { type FormEvent, useState } from 'react';
import { api, ok } from '../api/client.ts';
import type { Session } from '../api/types.ts';
import { useAdoptSession } from '../session.ts';
import { ErrorNote } from '../ui.tsx';

function useSignedIn() {
  const adopt = useAdoptSession();
  const navigate = useNavigate();
  const { next } = useSearch({ strict: false }) as { next?: unknown };
  return (session: Session) => {
    adopt(session);
    // Back where the person was sent from (a page of the console, never another site).
    if (typeof next === 'string' && /^\/[a-z]/.test(next)) window.location.assign(`/app${next}`);
    else void navigate({ to: '/chatbots' });
  };
}

export function SignInPage() {
  const signedIn = useSignedIn();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const signIn = useMutation({
    mutationFn: () => ok(api.POST('/v1/sessions', { body: { email, password } })),
    onSuccess: signedIn,
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    signIn.mutate();
  };
  return (
    <form className="card narrow" onSubmit={submit}>
      <h1>Sign in to Parley</h1>
      <label>
        Email
        <input
          type="email"
          autoComplete="username"
          required
          value={email}
          onChange={(e) => setEmail(e.target.value)}
        />
      </label>
      <label>
        Password
        <input
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
      </label>
      <ErrorNote error={signIn.error} />
      <button type="submit" disabled={signIn.isPending}>
        Sign in
      </button>
      <p className="hint">
        No account yet? The first owner opens the link printed when Parley starts (or runs{' '}
        <code>npm run parley -- users create --role owner</code>); everyone else is invited from People.
      </p>
    </form>
  );
}

export function RedeemPage({ purpose }: { purpose: 'invite' | 'reset' }) {
  const signedIn = useSignedIn();
  const token = new URLSearchParams(window.location.search).get('token') ?? '';
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const redeem = useMutation({
    mutationFn: () =>
      purpose === 'invite'
        ? ok(api.POST('/v1/invitations/accept', { body: { token, password, ...(name ? { name } : {}) } }))
        : ok(api.POST('/v1/password-resets/confirm', { body: { token, password } })),
    onSuccess: signedIn,
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    redeem.mutate();
  };
  return (
    <form className="card narrow" onSubmit={submit}>
      <h1>{purpose === 'invite' ? 'Join your team on Parley' : 'Choose a new password'}</h1>
      {!token && <p className="error">This link has no token: open the link you were given.</p>}
      {purpose === 'invite' && (
        <label>
          Your name
          <input autoComplete="name" value={name} onChange={(e) => setName(e.target.value)} />
        </label>
      )}
      <label>
        Password (10 characters or more)
        <input
          type="password"
          autoComplete="new-password"
          minLength={10}
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
      </label>
      <ErrorNote error={redeem.error} />
      <button type="submit" disabled={redeem.isPending || !token}>
        {purpose === 'invite' ? 'Set password and sign in' : 'Set password and sign in'}
      </button>
    </form>
  );
}

export function FirstOwnerPage() {
  const signedIn = useSignedIn();
  const token = new URLSearchParams(window.location.search).get('token') ?? '';
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const create = useMutation({
    mutationFn: () =>
      ok(api.POST('/v1/first-owner', { body: { token, email, password, ...(name ? { name } : {}) } })),
    onSuccess: signedIn,
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate();
  };
  return (
    <form className="card narrow" onSubmit={submit}>
      <h1>Welcome to Parley</h1>
      <p>You are the workspace's first owner: you will invite the rest of the team from People.</p>
      {!token && (
        <p className="error">This link has no token: open the link Parley printed when it started.</p>
      )}
      <label>
        Email
        <input
          type="email"
          autoComplete="username"
          required
          value={email}
          onChange={(e) => setEmail(e.target.value)}
        />
      </label>
      <label>
        Your name
        <input autoComplete="name" value={name} onChange={(e) => setName(e.target.value)} />
      </label>
      <label>
        Password (10 characters or more)
        <input
          type="password"
          autoComplete="new-password"
          minLength={10}
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
      </label>
      <ErrorNote error={create.error} />
      <button type="submit" disabled={create.isPending || !token}>
        Become the owner and sign in
      </button>
    </form>
  );
}
