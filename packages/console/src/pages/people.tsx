// People: the workspace's team with roles and availability; owners invite (the one-time link
// is shown to pass on), change roles, sign people out everywhere and remove. Everyone sets their own availability.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { api, ok } from '../api/client.ts';
import type { Person } from '../api/types.ts';
import { useMay, useMe } from '../session.ts';
import { Badge, ErrorNote, Secret, when } from '../ui.tsx';

type Role = Person['role'];
type Availability = Person['availability'];

export function PeoplePage() {
  const client = useQueryClient();
  const may = useMay();
  const me = useMe().data;
  const people = useQuery({
    queryKey: ['people'],
    queryFn: () => ok(api.GET('/v1/users', { params: { query: { page_size: 100 } } })),
  });
  const refresh = () => void client.invalidateQueries({ queryKey: ['people'] });
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('agent');
  const invite = useMutation({
    mutationFn: () => ok(api.POST('/v1/users', { body: { email, role } })),
    onSuccess: () => {
      setEmail('');
      refresh();
    },
  });
  const update = useMutation({
    mutationFn: ({ id, ...body }: { id: string; role?: Role; availability?: Availability }) =>
      id === me?.user.id && !body.role
        ? ok(api.PATCH('/v1/me', { body })).then(() => client.invalidateQueries({ queryKey: ['me'] }))
        : ok(api.PATCH('/v1/users/{id}', { params: { path: { id } }, body })).then(() => undefined),
    onSuccess: refresh,
  });
  // Ends every session of the person: their open consoles go to the sign-in page at once.
  const signOut = useMutation({
    mutationFn: (id: string) => ok(api.DELETE('/v1/users/{id}/sessions', { params: { path: { id } } })),
  });
  const remove = useMutation({
    mutationFn: (id: string) => ok(api.DELETE('/v1/users/{id}', { params: { path: { id } } })),
    onSuccess: refresh,
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    invite.mutate();
  };
  const owner = may('POST /v1/users');
  return (
    <section>
      <h1>People</h1>
      {owner && (
        <form className="inline-form" onSubmit={submit}>
          <label>
            Email
            <input type="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
          </label>
          <label>
            Role
            <select value={role} onChange={(e) => setRole(e.target.value as Role)}>
              <option value="agent">agent</option>
              <option value="admin">admin</option>
              <option value="owner">owner</option>
            </select>
          </label>
          <button type="submit" disabled={invite.isPending}>
            Invite
          </button>
        </form>
      )}
      {invite.data?.invitation && (
        <div className="card">
          <p>
            Send {invite.data.email} this one-time link (valid until {when(invite.data.invitation.expires_at)}
            ):
          </p>
          <Secret value={invite.data.invitation.url} testId="invitation-url" />
        </div>
      )}
      <ErrorNote error={invite.error ?? update.error ?? signOut.error ?? remove.error ?? people.error} />
      <table className="list">
        <thead>
          <tr>
            <th>Person</th>
            <th>Role</th>
            <th>Availability</th>
            <th>Status</th>
            <th>
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {people.data?.data.map((person) => (
            <tr key={person.id} data-testid="person-row">
              <td>
                {person.name ?? person.email}
                <div className="small muted">{person.email}</div>
              </td>
              <td>
                {owner ? (
                  <select
                    aria-label={`Role of ${person.email}`}
                    value={person.role}
                    onChange={(e) => update.mutate({ id: person.id, role: e.target.value as Role })}
                  >
                    <option value="agent">agent</option>
                    <option value="admin">admin</option>
                    <option value="owner">owner</option>
                  </select>
                ) : (
                  person.role
                )}
              </td>
              <td>
                {owner || person.id === me?.user.id ? (
                  <select
                    aria-label={`Availability of ${person.email}`}
                    value={person.availability}
                    onChange={(e) =>
                      update.mutate({ id: person.id, availability: e.target.value as Availability })
                    }
                  >
                    <option value="online">online</option>
                    <option value="away">away</option>
                    <option value="offline">offline</option>
                  </select>
                ) : (
                  <Badge value={person.availability} />
                )}
              </td>
              <td>
                <Badge value={person.status} />
              </td>
              <td>
                {owner && person.id !== me?.user.id && person.status === 'active' && (
                  <button
                    type="button"
                    className="secondary"
                    aria-label={`Sign ${person.email} out everywhere`}
                    disabled={signOut.isPending}
                    onClick={() =>
                      window.confirm(`Sign ${person.email} out of every browser?`) &&
                      signOut.mutate(person.id)
                    }
                  >
                    {signOut.isSuccess && signOut.variables === person.id
                      ? 'Signed out'
                      : 'Sign out everywhere'}
                  </button>
                )}{' '}
                {owner && person.id !== me?.user.id && (
                  <button
                    type="button"
                    className="danger"
                    onClick={() => window.confirm(`Remove ${person.email}?`) && remove.mutate(person.id)}
                  >
                    Remove
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
