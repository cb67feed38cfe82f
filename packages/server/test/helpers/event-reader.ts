// Reads a live server-sent event stream over real HTTP, for tests: waits for the next event that
// matches, with a deadline instead of sleeps.
import { expect } from 'vitest';

export interface StreamEvent {
  event: string;
  data: Record<string, unknown>;
}

export interface EventReader {
  /** The next event (after those already taken) that satisfies `wanted`; earlier ones are skipped. */
  next(wanted: (event: StreamEvent) => boolean, timeoutMs?: number): Promise<StreamEvent>;
  close(): void;
}

export async function openEventReader(url: string, headers: Record<string, string>): Promise<EventReader> {
  const controller = new AbortController();
  const response = await fetch(url, { headers, signal: controller.signal });
  expect(response.status, await (response.ok ? '' : response.text())).toBe(200);
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  const queued: StreamEvent[] = [];
  let buffer = '';

  async function readMore(): Promise<void> {
    const { value, done } = await reader.read();
    if (done) throw new Error('the stream ended');
    buffer += decoder.decode(value, { stream: true });
    for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const name = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (name && data) queued.push({ event: name, data: JSON.parse(data) as Record<string, unknown> });
    }
  }

  return {
    async next(wanted, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        while (queued.length > 0) {
          const event = queued.shift()!;
          if (wanted(event)) return event;
        }
        const left = deadline - Date.now();
        if (left <= 0) throw new Error('no matching event in time');
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          readMore(),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error('no matching event in time')), left);
          }),
        ]).finally(() => clearTimeout(timer));
      }
    },
    close() {
      controller.abort();
    },
  };
}
