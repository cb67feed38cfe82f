// What the inbox's pages share from the API: the workspace's labels and its people.
import { useQuery } from '@tanstack/react-query';
import { api, ok } from '../api/client.ts';

/** The workspace's labels. */
export function useLabels() {
  return useQuery({
    queryKey: ['labels'],
    queryFn: () => ok(api.GET('/v1/labels', { params: { query: { page_size: 100 } } })),
  });
}

/** The team, with their availability: read again every half minute while someone is assigning. */
export function usePeople() {
  return useQuery({
    queryKey: ['people'],
    queryFn: () => ok(api.GET('/v1/users', { params: { query: { page_size: 100 } } })),
    refetchInterval: 30_000,
  });
}
