// Presence: the signed-in person's own availability in the header (PATCH /v1/me): online people
// get conversations from the queue; away and offline people get none (and are mailed their
// notifications). The server also sets people offline who have been idle for a while.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, ok, setCsrfToken } from './api/client.ts';
import type { Person } from './api/types.ts';
import { ME, useMe } from './session.ts';
import { ErrorNote } from './ui.tsx';

export type Availability = Person['availability'];

export const AVAILABILITY: Record<Availability, string> = {
  online: 'Online',
  away: 'Away',
  offline: 'Offline',
};

/** A dot in the availability's colour, with its name for those who cannot see it. */
export function PresenceDot({ value }: { value: Availability }) {
  return <span className={`presence presence-${value}`} role="img" aria-label={AVAILABILITY[value]} />;
}

export function AvailabilitySwitch() {
  const client = useQueryClient();
  const me = useMe().data!;
  const set = useMutation({
    mutationFn: (availability: Availability) => ok(api.PATCH('/v1/me', { body: { availability } })),
    onSuccess: (session) => {
      setCsrfToken(session.csrf_token);
      client.setQueryData(ME, session);
      void client.invalidateQueries({ queryKey: ['people'] });
    },
  });
  const current = set.isPending && set.variables ? set.variables : me.user.availability;
  return (
    <span className="availability">
      <PresenceDot value={current} />
      <label className="inline">
        <span className="sr-only">Your availability</span>
        <select
          value={current}
          disabled={set.isPending}
          onChange={(e) => set.mutate(e.target.value as Availability)}
          title="Online people are given conversations from the queue"
        >
          {(Object.keys(AVAILABILITY) as Availability[]).map((value) => (
            <option key={value} value={value}>
              {AVAILABILITY[value]}
            </option>
          ))}
        </select>
      </label>
      <ErrorNote error={set.error} />
    </span>
  );
}
