// API keys of this environment: create one (its secret shown once, with copy), revoke.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { api, ok } from '../api/client.ts';
import { useMe } from '../session.ts';
import { Badge, ErrorNote, Modal, Secret, when } from '../ui.tsx';

type KeyFormat = 'parley' | 'insitechat' | 'sitegist' | 'chatsby';
// Every format works on every API; a seed product's own form is for a client of its API that
// checks the key's prefix (docs/compat.md).
const KEY_FORMATS: [KeyFormat, string][] = [
  ['parley', 'Parley (prl_…)'],
  ['insitechat', 'InsiteChat (ic_…)'],
  ['sitegist', 'SiteGist (sk_…)'],
  ['chatsby', 'Chatsby (chtb_…)'],
];

export function ApiKeysPage() {
  const client = useQueryClient();
  const environment = useMe().data?.environment;
  const keys = useQuery({
    queryKey: ['api-keys'],
    queryFn: () => ok(api.GET('/v1/api-keys', { params: { query: { page_size: 100 } } })),
  });
  const [name, setName] = useState('');
  const [format, setFormat] = useState<KeyFormat>('parley');
  const create = useMutation({
    mutationFn: () => ok(api.POST('/v1/api-keys', { body: { name, format } })),
    onSuccess: () => {
      setName('');
      setFormat('parley');
      void client.invalidateQueries({ queryKey: ['api-keys'] });
    },
  });
  const revoke = useMutation({
    mutationFn: (id: string) => ok(api.DELETE('/v1/api-keys/{id}', { params: { path: { id } } })),
    onSuccess: () => void client.invalidateQueries({ queryKey: ['api-keys'] }),
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate();
  };
  return (
    <section>
      <h1>API keys</h1>
      <p>Keys of the {environment} environment. A key has full access to this environment's data.</p>
      <form className="inline-form" onSubmit={submit}>
        <label>
          Key name
          <input required maxLength={100} value={name} onChange={(e) => setName(e.target.value)} />
        </label>
        <label>
          Key format
          <select value={format} onChange={(e) => setFormat(e.target.value as KeyFormat)}>
            {KEY_FORMATS.map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" disabled={create.isPending}>
          Create key
        </button>
      </form>
      <ErrorNote error={create.error ?? revoke.error ?? keys.error} />
      <Modal
        open={Boolean(create.data)}
        onOpenChange={(open) => !open && create.reset()}
        title="Your new API key"
        description="It is shown this once: copy it now and store it safely."
      >
        {create.data && <Secret value={create.data.key} testId="new-key" />}
      </Modal>
      <table className="list">
        <thead>
          <tr>
            <th>Name</th>
            <th>Key</th>
            <th>Status</th>
            <th>Last used</th>
            <th>
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {keys.data?.data.map((key) => (
            <tr key={key.id} data-testid="api-key-row">
              <td>{key.name}</td>
              <td>
                <code>
                  {key.prefix}…{key.last_four}
                </code>
              </td>
              <td>
                <Badge value={key.status} />
              </td>
              <td>{when(key.last_used_at)}</td>
              <td>
                {key.status === 'active' && (
                  <button
                    type="button"
                    className="danger"
                    onClick={() =>
                      window.confirm(`Revoke ${key.name}? Apps using it stop working.`) &&
                      revoke.mutate(key.id)
                    }
                  >
                    Revoke
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
