// The shapes of the public API (docs/widget.md, "Public API"), as the widget reads them.

export type Role = 'user' | 'assistant' | 'agent' | 'system';

export type Source = { title?: string | null; url?: string | null; citation?: number | null };

export type Message = {
  id: string;
  role: Role;
  content: string;
  sources?: Source[];
  author_name?: string | null;
  feedback?: 'up' | 'down' | null;
  created_at?: string;
};

export type Conversation = {
  id: string;
  status?: string;
  mode?: string;
  verified?: boolean;
  /** Whether the visitor has rated it (asked once it is resolved). */
  rated?: boolean;
};

export type WidgetConfig = {
  chatbot_id: string;
  title: string;
  greeting: string | null;
  starter_questions: string[];
  position: 'bottom-right' | 'bottom-left';
  colors: { primary: string; background: string; text: string };
  lead_form: boolean;
  /** What the lead form asks for (absent from servers older than the phone field: an email). */
  lead_contact?: LeadContact;
  handoff: boolean;
  identity_verification: boolean;
};

export type LeadContact = 'email' | 'phone' | 'email_or_phone';

/** What the lead form sends: at least an email or a phone number. */
export type LeadDetails = { email?: string; phone?: string; country?: string; name?: string };

export type Identity = { user_id: string; user_hash: string; email?: string; name?: string };

/** What `POST /chat` streams, in order: one `conversation`, deltas, sources, then done or error. */
export type ChatEvent =
  | {
      type: 'conversation';
      conversation_id: string;
      conversation_token: string;
      user_message_id?: string;
      mode?: string;
      system_message?: Message | null;
    }
  | { type: 'delta'; text: string }
  | { type: 'sources'; sources: Source[] }
  | { type: 'done'; message: Message; mode?: string; system_message?: Message | null }
  | { type: 'error'; error: ApiErrorBody };

export type ApiErrorBody = { type?: string; code?: string; message?: string; status?: number };
