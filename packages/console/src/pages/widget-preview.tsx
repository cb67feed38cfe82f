// The real widget, live, beside the chatbot's settings: /widget.js from this server runs in a
// same-origin frame for the bot being edited. Its config request is answered with the server's
// config under the look being edited (title, greeting, starter questions, colour, lead form,
// handoff), so each change shows before it is saved; the frame starts again a moment after the
// last change. Chatting in it is real, and works when the console's address is one of the
// bot's allowed origins (the widget says so otherwise, as it would on any other site).
import { useEffect, useRef, useState } from 'react';

export interface PreviewLook {
  title: string;
  greeting: string;
  starter_questions: string[];
  primary: string;
  lead_form: boolean;
  lead_contact: 'email' | 'phone' | 'email_or_phone';
  handoff: boolean;
}

const RESTART_AFTER_MS = 400;
const FRAME_DOCUMENT =
  '<!doctype html><html lang="en"><head><title>Widget preview</title></head><body></body></html>';

type FrameWindow = Window & typeof globalThis;

function start(frame: HTMLIFrameElement, botId: string, look: PreviewLook): void {
  const win = frame.contentWindow as FrameWindow | null;
  const doc = frame.contentDocument;
  if (!win || !doc?.body) return;
  const serverFetch = win.fetch.bind(win);
  win.fetch = async (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (!new URL(url, win.location.href).pathname.endsWith('/config') || init?.mode === 'no-cors')
      return serverFetch(input, init);
    const answer = await serverFetch(input, init);
    // Refused (the console's address is not allowed): the look is still shown, from the edits.
    const saved = answer.ok ? ((await answer.json()) as Record<string, unknown>) : {};
    const colors = (saved.colors as Record<string, string> | undefined) ?? {};
    const config = {
      chatbot_id: botId,
      position: 'bottom-right',
      identity_verification: false,
      ...saved,
      title: look.title,
      greeting: look.greeting || null,
      starter_questions: look.starter_questions,
      colors: { background: '#ffffff', text: '#111827', ...colors, primary: look.primary },
      lead_form: look.lead_form,
      lead_contact: look.lead_contact,
      handoff: look.handoff,
    };
    return new win.Response(JSON.stringify(config), {
      status: 200,
      headers: { 'content-type': 'application/json' },
    });
  };
  // The widget focuses its input when it opens: in the preview, only once the person is in the
  // frame, or each restart would pull the keyboard away from the setting being typed.
  const focus = win.HTMLElement.prototype.focus;
  win.HTMLElement.prototype.focus = function (this: HTMLElement, options?: FocusOptions) {
    if (doc.hasFocus()) focus.call(this, options);
  };
  const script = doc.createElement('script');
  script.src = new URL('/widget.js', window.location.origin).href;
  script.dataset.chatbotId = botId;
  script.dataset.open = 'true';
  doc.body.appendChild(script);
}

export function WidgetPreview({ botId, look }: { botId: string; look: PreviewLook }) {
  const [shown, setShown] = useState(look);
  const [generation, setGeneration] = useState(0);
  const key = JSON.stringify(look);
  // biome-ignore lint/correctness/useExhaustiveDependencies: the look's content, not its identity, restarts the frame.
  useEffect(() => {
    if (key === JSON.stringify(shown)) return;
    const timer = setTimeout(() => {
      setShown(look);
      setGeneration((current) => current + 1);
    }, RESTART_AFTER_MS);
    return () => clearTimeout(timer);
  }, [key]);
  const latest = useRef(shown);
  latest.current = shown;
  return (
    <figure className="widget-preview" data-testid="widget-preview">
      <iframe
        key={`${botId}:${generation}`}
        title="Widget preview"
        srcDoc={FRAME_DOCUMENT}
        onLoad={(event) => start(event.currentTarget, botId, latest.current)}
      />
      <figcaption className="small muted">
        The real widget, with these settings before they are saved.
      </figcaption>
    </figure>
  );
}
