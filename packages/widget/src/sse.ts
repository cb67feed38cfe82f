// A Server-Sent Events parser for `POST /chat`, whose stream a browser's EventSource cannot
// read (EventSource only does GET). It follows the WHATWG "event stream interpretation"
// rules, so it behaves like EventSource on the same bytes: lines end with CRLF, LF or CR,
// `data` lines are joined with LF, comments (`:`) are ignored, and an event is dispatched
// on a blank line only. Chunks may split anywhere, even between a CR and its LF.

export type SseEvent = {
  /** The `event` field; `message` when the server gave none, as EventSource does. */
  event: string;
  data: string;
  /** The last `id` seen so far in the stream (it carries over to later events). */
  id: string;
};

export type SseParser = {
  /** Feeds decoded text; calls `onEvent` for every event completed by it. */
  push(text: string): void;
  /** The stream ended: an event not closed by a blank line is dropped, as the spec says. */
  end(): void;
};

export function createSseParser(onEvent: (event: SseEvent) => void): SseParser {
  let buffer = '';
  // A chunk that ended with CR: if the next one starts with LF, that LF belongs to it.
  let skipLeadingLf = false;
  let eventType = '';
  let data: string[] = [];
  let lastId = '';

  const dispatch = () => {
    if (data.length > 0) {
      onEvent({ event: eventType || 'message', data: data.join('\n'), id: lastId });
    }
    eventType = '';
    data = [];
  };

  const line = (text: string) => {
    if (text === '') return dispatch();
    if (text.startsWith(':')) return;
    const colon = text.indexOf(':');
    const field = colon === -1 ? text : text.slice(0, colon);
    let value = colon === -1 ? '' : text.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') eventType = value;
    else if (field === 'data') data.push(value);
    else if (field === 'id' && !value.includes('\0')) lastId = value;
    // `retry` and unknown fields: nothing to do for a one-shot POST stream.
  };

  return {
    push(text) {
      if (skipLeadingLf && text.startsWith('\n')) text = text.slice(1);
      skipLeadingLf = false;
      buffer += text;
      let start = 0;
      for (let i = 0; i < buffer.length; i++) {
        const ch = buffer[i];
        if (ch !== '\n' && ch !== '\r') continue;
        line(buffer.slice(start, i));
        if (ch === '\r') {
          if (i + 1 === buffer.length) skipLeadingLf = true;
          else if (buffer[i + 1] === '\n') i++;
        }
        start = i + 1;
      }
      buffer = buffer.slice(start);
    },
    end() {
      buffer = '';
      eventType = '';
      data = [];
    },
  };
}
