// The signed-in person: GET /v1/me, kept in the query cache under ['me']. Its CSRF token is
// handed to the client for unsafe requests.
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { ApiError, api, may, ok, type Role, setCsrfToken } from './api/client.ts';
import type { Session } from './api/types.ts';

export const ME = ['me'] as const;

export const meQuery = {
  queryKey: ME,
  queryFn: async (): Promise<Session | null> => {
    try {
      const me = await ok(api.GET('/v1/me'));
      setCsrfToken(me.csrf_token);
      return me;
    } catch (error) {
      // No session, or an ended one: the sign-in page.
      if (error instanceof ApiError && error.status === 401) return null;
      throw error;
    }
  },
  staleTime: 60_000,
};

export function useMe() {
  return useQuery(meQuery);
}

/** Whether the signed-in person may call an operation ('POST /v1/chatbots'). */
export function useMay(): (operation: string) => boolean {
  const me = useMe().data;
  return (operation) => may(me?.user.role as Role | undefined, operation);
}

/** Stores a fresh session (after sign-in or a switch of environment) and refetches everything. */
export function useAdoptSession() {
  const client = useQueryClient();
  return (session: Session) => {
    setCsrfToken(session.csrf_token);
    client.setQueryData(ME, session);
    void client.invalidateQueries({ predicate: (query) => query.queryKey[0] !== 'me' });
  };
}
