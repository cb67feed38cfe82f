import { describe, expect, it } from 'vitest';
import { supportPassages } from '../../../test/fixtures/support-passages.ts';
import { answerExtractively, DEFAULT_FALLBACK_MESSAGE } from './extractive-answerer.ts';
import type { ChatTurn, Passage } from './provider-types.ts';

const ask = (content: string): ChatTurn[] => [{ role: 'user', content }];
const indexOf = (id: string): number => supportPassages.findIndex((p) => p.id === id);

/**
 * Every sentence of a reply, less citations and list bullets, is quoted from a passage it cites
 * (table rows are quoted as "Header: cell", so rows are checked cell by cell).
 */
function expectQuoted(reply: string, passages: Passage[], cited: string[]): void {
  const flat = (text: string): string => text.replace(/\s+/g, ' ').trim();
  const sources = passages.filter((p) => cited.includes(p.id)).map((p) => flat(p.text));
  const body = reply.replace(/ \[\d+\]/g, '');
  for (const line of body.split('\n')) {
    const quote = flat(line.replace(/^(\d+\.|-) /, ''));
    if (/^\w[\w ]*: /.test(quote) && quote.includes(', ')) {
      for (const cell of quote.replace(/\.$/, '').split(', ')) {
        expect(
          sources.some((s) => s.includes(cell.split(': ')[1] ?? cell)),
          cell,
        ).toBe(true);
      }
    } else {
      // One line may hold several sentences, each from somewhere in the cited passages.
      for (const sentence of quote.split(/(?<=[.!?]) (?=[A-Z])/)) {
        expect(
          sources.some((s) => s.includes(sentence)),
          `"${sentence}" is not in the cited passages`,
        ).toBe(true);
      }
    }
  }
}

describe('answerExtractively over a help center', () => {
  // Question, passage that must be cited first, phrase the reply must contain.
  const cases: [string, string, string][] = [
    ['How do I reset my password?', 'chunk_password', 'Forgot password?'],
    ['How much does the Pro plan cost?', 'chunk_pricing', '$49/month'],
    ['What is your refund policy?', 'chunk_refunds', 'full refund within 14 days'],
    ['How do I get a refund?', 'chunk_refunds', 'email billing@example.com'],
    ['How long does shipping take?', 'chunk_shipping', '3–5 business days'],
    ['Is shipping free?', 'chunk_shipping', 'Orders over $50 ship free'],
    ['What are the API rate limits?', 'chunk_rate_limits', '60 requests per minute'],
    ['What happens if I exceed the rate limit?', 'chunk_rate_limits', 'HTTP 429'],
    ['Can I change my plan later?', 'chunk_change_plan', 'upgrade or downgrade at any time'],
    ['How do I delete my account?', 'chunk_faq', 'Delete workspace'],
    ['Is my data secure?', 'chunk_faq', 'encrypted at rest'],
    ['Which languages are supported?', 'chunk_faq', 'over 50 languages'],
    ['How do I cancel my subscription?', 'chunk_cancel', 'Cancel plan'],
    ['Do you integrate with Slack?', 'chunk_integrations', 'connects to Slack'],
    ['How do I add the widget to my website?', 'chunk_widget', 'embed snippet'],
    ['What file types can I upload for training?', 'chunk_training', 'PDF, DOCX'],
    ['When is support available?', 'chunk_contact', 'Monday to Friday, 9 a.m. to 6 p.m. CET'],
    ['How do I set up two-factor authentication?', 'chunk_2fa', 'Profile > Security'],
    ['I lost my phone, how do I sign in?', 'chunk_2fa', 'backup codes'],
    ['How do I return an item?', 'chunk_returns', 'prepaid label'],
    ['Can I export my conversations?', 'chunk_export', 'CSV or JSON'],
    ['How long do you keep conversations?', 'chunk_retention', '12 months'],
  ];

  it.each(cases)('%s → cites %s', (question, id, phrase) => {
    const answer = answerExtractively(ask(question), supportPassages);
    expect(answer.grounded).toBe(true);
    expect(answer.passageIds[0]).toBe(id);
    expect(answer.text).toContain(phrase);
    expect(answer.text).toContain(`[${indexOf(id) + 1}]`);
    expectQuoted(answer.text, supportPassages, answer.passageIds);
  });

  it('cites exactly the passages whose markers it prints, in order', () => {
    for (const [question] of cases) {
      const answer = answerExtractively(ask(question), supportPassages);
      const markers = [...answer.text.matchAll(/\[(\d+)\]/g)].map(
        (m) => supportPassages[Number(m[1]) - 1]!.id,
      );
      expect([...new Set(markers)]).toEqual(answer.passageIds);
    }
  });

  it('answers a how-to with the steps, numbered, citation at the end', () => {
    const { text } = answerExtractively(ask('How do I reset my password?'), supportPassages);
    const n = indexOf('chunk_password') + 1;
    expect(text).toBe(
      'To reset your password:\n' +
        '1. Go to app.example.com/login.\n' +
        '2. Click **Forgot password?** below the sign-in form.\n' +
        '3. Enter the email address of your account and click Send reset link.\n' +
        `4. Open the email and follow the link to choose a new password [${n}].`,
    );
  });

  it('answers a Q&A pair with its answer, not its question', () => {
    const { text } = answerExtractively(ask('Can I switch to another plan?'), supportPassages);
    expect(text).toMatch(/^Yes\. You can upgrade or downgrade/);
    expect(text).not.toContain('Q:');
    expect(text).not.toContain('Can I switch');
  });

  it('quotes the sentence that continues a strong match', () => {
    const { text } = answerExtractively(ask('What are the API rate limits?'), supportPassages);
    expect(text).toContain(
      'The API limits requests per API key. Free workspaces can make 60 requests per minute',
    );
  });

  it('lets a heading supply the words its paragraph leaves implicit', () => {
    const delivery: Passage = {
      id: 'chunk_delivery',
      title: 'Delivery',
      url: null,
      text: '## Shipping times\nStandard orders arrive in 3–5 business days.\n\n## Returns\nReturns are free.',
    };
    const answer = answerExtractively(ask('What are your shipping times?'), [delivery]);
    expect(answer.text).toBe('Standard orders arrive in 3–5 business days [1].');
  });

  it("does not need the question's generic words, and skips the passage's own questions", () => {
    const help: Passage = {
      id: 'chunk_help',
      title: 'Billing help',
      url: null,
      text: 'Refunds are possible within 14 days. Still unsure? Write to billing@example.com.',
    };
    const answer = answerExtractively(ask('What is your refund policy?'), [help]);
    expect(answer.text).toBe('Refunds are possible within 14 days [1].');
  });

  it('quotes the commands a matching lead-in introduces, as a code block, and no markup', () => {
    const server: Passage = {
      id: 'chunk_server',
      title: 'Run the server',
      url: null,
      text: 'Start the server on another port:\n```\nparley serve --port 8080\n```\nThe server then listens on port 8080.',
    };
    const answer = answerExtractively(ask('How do I start the server on port 8080?'), [server]);
    expect(answer.text).toBe('Start the server on another port [1]:\n```\nparley serve --port 8080\n```');
    expect(answer.grounded).toBe(true);
    // A snippet of HTML is not quoted: a reply may be shown as HTML by whoever reads the API.
    const widget = answerExtractively(ask('Where do I paste the widget script?'), supportPassages);
    expect(widget.grounded).toBe(true);
    expect(widget.text).not.toContain('<script');
  });

  it.each([
    'What is the capital of Peru?',
    'Who won the World Cup in 2018?',
    'Can you recommend a good pizza place?',
    "What's the weather like tomorrow?",
    'Do you have a mobile app?',
    'Do you integrate with Salesforce?',
  ])('falls back on an unrelated question: %s', (question) => {
    expect(answerExtractively(ask(question), supportPassages)).toEqual({
      text: DEFAULT_FALLBACK_MESSAGE,
      passageIds: [],
      grounded: false,
    });
  });

  it("says the chatbot's fallback message when it has one, and when there is nothing to search", () => {
    const fallbackMessage = 'I am not sure. Write to us at help@example.com.';
    expect(
      answerExtractively(ask('What is the capital of Peru?'), supportPassages, { fallbackMessage }).text,
    ).toBe(fallbackMessage);
    expect(answerExtractively(ask('How do I reset my password?'), [], { fallbackMessage })).toEqual({
      text: fallbackMessage,
      passageIds: [],
      grounded: false,
    });
    expect(answerExtractively([], supportPassages).grounded).toBe(false);
  });

  it.each([
    ['hi', 'Hello! How can I help you today?'],
    ['Hello there!', 'Hello! How can I help you today?'],
    ['good morning', 'Hello! How can I help you today?'],
    ['thanks!', "You're welcome!"],
    ['Thank you so much', "You're welcome!"],
    ['ok bye', 'Goodbye!'],
  ])('answers small talk "%s" briefly, ungrounded', (message, reply) => {
    expect(answerExtractively(ask(message), supportPassages)).toEqual({
      text: reply,
      passageIds: [],
      grounded: false,
    });
  });

  it('answers the question in a greeting', () => {
    const answer = answerExtractively(ask('Hi! How do I reset my password?'), supportPassages);
    expect(answer.grounded).toBe(true);
    expect(answer.passageIds).toEqual(['chunk_password']);
  });

  it('reads a short follow-up with a pronoun in the light of the previous question', () => {
    const messages: ChatTurn[] = [
      { role: 'user', content: 'Tell me about the Pro plan' },
      { role: 'assistant', content: 'The Pro plan includes 10 chatbots.' },
      { role: 'user', content: 'How much does it cost?' },
    ];
    const answer = answerExtractively(messages, supportPassages);
    expect(answer.passageIds[0]).toBe('chunk_pricing');
    expect(answer.text).toContain('$49/month');
    // A thank-you after an answer is not a follow-up question.
    const thanks = answerExtractively(
      [...messages, { role: 'user', content: 'thanks for that' }],
      supportPassages,
    );
    expect(thanks).toEqual({ text: "You're welcome!", passageIds: [], grounded: false });
  });

  it('numbers citations by position in the passages given', () => {
    const reversed = [...supportPassages].reverse();
    const answer = answerExtractively(ask('How long does shipping take?'), reversed);
    const n = reversed.findIndex((p) => p.id === 'chunk_shipping') + 1;
    expect(answer.text).toContain(`[${n}]`);
    expect(answer.text).not.toContain(`[${indexOf('chunk_shipping') + 1}]`);
  });

  it('quotes a sentence repeated in overlapping chunks once', () => {
    const refunds = supportPassages.find((p) => p.id === 'chunk_refunds')!;
    const overlap: Passage = { ...refunds, id: 'chunk_refunds_overlap', text: refunds.text.split('\n')[0]! };
    const answer = answerExtractively(ask('What is your refund policy?'), [overlap, refunds]);
    expect(answer.passageIds[0]).toBe('chunk_refunds_overlap');
    expect(answer.text.match(/full refund within 14 days/g)).toHaveLength(1);
  });

  it('reads a misspelled word as the passage word one edit away', () => {
    const passages: Passage[] = [
      {
        id: 'rec',
        title: 'Reconciling',
        url: null,
        text: 'To reconcile an account with a bank statement, open the account and choose Actions, then Reconcile.',
        score: 0.5,
      },
    ];
    const answer = answerExtractively(ask('how do i reconcle my acount with the statment'), passages);
    expect(answer.grounded).toBe(true);
    expect(answer.text).toContain('choose Actions, then Reconcile');
  });

  it('weighs how relevant retrieval found the passages in deciding to answer', () => {
    const passages = (score: number): Passage[] => [
      {
        id: 'place',
        title: 'Ports',
        url: null,
        text: 'The server takes the place of the old proxy on port 8080.',
        score,
      },
    ];
    // A sentence sharing one everyday word ("place") with a question about something else.
    const question = 'Can you recommend a good pizza place?';
    expect(answerExtractively(ask(question), passages(0.1)).grounded).toBe(false);
    expect(answerExtractively(ask('Which port does the server take?'), passages(0.6)).grounded).toBe(true);
  });

  it('quotes first the passage retrieval found relevant, over one that shares more words by chance', () => {
    const question = 'Can I keep my phone number when I move to the Pro plan?';
    const passages: Passage[] = [
      {
        id: 'plans',
        title: 'Changing plans',
        url: null,
        text: 'You keep your number, your calendar and your clients when you move to another plan.',
        score: 0.9,
      },
      {
        id: 'reminders',
        title: 'Text reminders',
        url: null,
        text: 'Text reminders on the Pro plan come from a shared phone number that moves with your account.',
        score: 0.25,
      },
    ];
    const answer = answerExtractively(ask(question), passages);
    expect(answer.text).toMatch(/^You keep your number/);
    expect(answer.passageIds[0]).toBe('plans');
  });

  it('is deterministic', () => {
    for (const [question] of cases) {
      const first = answerExtractively(ask(question), supportPassages);
      expect(answerExtractively(ask(question), structuredClone(supportPassages))).toEqual(first);
    }
  });
});
