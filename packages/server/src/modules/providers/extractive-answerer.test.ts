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

  it('answers a question about a number with the sentence that has one', () => {
    const passages: Passage[] = [
      {
        id: 'plans',
        title: 'Getting help',
        url: null,
        text: 'Phone support is open to the Salon plan.',
        score: 0.7,
      },
      {
        id: 'number',
        title: 'Getting help',
        url: null,
        text: 'Call phone support on +1 (503) 555-0142.',
        score: 0.7,
      },
    ];
    // Both sentences match as well; the one with the number is the answer, quoted first.
    const answer = answerExtractively(ask('phone support number'), passages);
    expect(answer.passageIds[0]).toBe('number');
    expect(answer.text).toContain('Call phone support on +1 (503) 555-0142 [2].');
  });

  it('answers "how do I" with the sentence that names the menu path', () => {
    const passages: Passage[] = [
      {
        id: 'sales-tax',
        title: 'Sales tax tables',
        url: null,
        text:
          'Sales tax rates for your invoices are set up once, in a table, and reused. ' +
          'The tables are kept in the editor under Business → Sales Tax Table.',
        score: 0.7,
      },
    ];
    const answer = answerExtractively(ask('How do I set up sales tax rates for my invoices?'), passages);
    expect(answer.text).toContain('Business → Sales Tax Table');
  });

  it('completes a "how do I" answer with the menu path of the page it quotes', () => {
    const passages: Passage[] = [
      {
        id: 'slice',
        title: 'Slice Using Guides',
        url: 'https://docs.example.com/slice.html',
        text:
          'The Slice Using Guides command cuts the image along each guide and creates new images out of the pieces. ' +
          'Many web pages are made of several smaller pictures. ' +
          'You can reach this command from the menu through Image → Slice Using Guides.',
        score: 0.9,
      },
    ];
    const answer = answerExtractively(ask('How do I cut an image into pieces along the guides?'), passages);
    expect(answer.text).toMatch(/^The Slice Using Guides command cuts the image/);
    expect(answer.text).toContain('Image → Slice Using Guides');
    expect(answer.text).not.toContain('web pages');
  });

  it('does not add a menu path from another page than the one it quotes', () => {
    const passages: Passage[] = [
      {
        id: 'slice',
        title: 'Slice Using Guides',
        url: 'https://docs.example.com/slice.html',
        text: 'The Slice Using Guides command cuts the image along each guide and creates new images out of the pieces.',
        score: 0.9,
      },
      {
        id: 'crop',
        title: 'Crop',
        url: 'https://docs.example.com/crop.html',
        text: 'To crop an image to its guides, use Image → Crop to Guides.',
        score: 0.3,
      },
    ];
    const answer = answerExtractively(ask('How do I cut an image into pieces along the guides?'), passages);
    expect(answer.text).not.toContain('→');
    expect(answer.passageIds).toEqual(['slice']);
  });

  it('hears a number written in words as the answer to "how many"', () => {
    const passages: Passage[] = [
      {
        id: 'blending',
        title: 'Layer modes',
        url: null,
        text: 'Layer modes decide how a layer blends with the layers below it.',
        score: 0.8,
      },
      {
        id: 'count',
        title: 'Layer modes',
        url: null,
        text: 'GIMP has thirty-eight layer modes, in six groups.',
        score: 0.8,
      },
    ];
    const answer = answerExtractively(ask('How many layer modes are there?'), passages);
    expect(answer.passageIds[0]).toBe('count');
    expect(answer.text).toContain('GIMP has thirty-eight layer modes, in six groups [2].');
  });

  it('quotes a sentence of another page that scores almost as well as the best, and not a weaker one', () => {
    const passages: Passage[] = [
      {
        id: 'bookings',
        title: 'Bookings',
        url: null,
        text: 'You can change a booking up to 24 hours before it starts.',
        score: 0.8,
      },
      {
        id: 'app',
        title: 'Mobile app',
        url: null,
        text: 'Bookings can be changed in the app or on the website.',
        score: 0.8,
      },
      {
        id: 'staff',
        title: 'Staff',
        url: null,
        text: 'Staff can see every booking in the calendar.',
        score: 0.8,
      },
    ];
    const answer = answerExtractively(ask('How do I change a booking?'), passages);
    expect(answer.text).toBe(
      'You can change a booking up to 24 hours before it starts [1]. Bookings can be changed in the app or on the website [2].',
    );
    expect(answer.passageIds).toEqual(['bookings', 'app']);
  });

  it('leaves scripts, frames and event handlers out of a quote, and a tag named in prose in', () => {
    const passages: Passage[] = [
      {
        id: 'cards',
        title: 'Gift cards',
        url: null,
        text:
          'Gift cards never expire <script>window.hacked = 1</script> and can be used online. ' +
          'A gift card <img src=x onerror="alert(1)"> is sent by email. ' +
          'Use the <br> tag for a line break in the card message.',
        score: 0.8,
      },
    ];
    const expire = answerExtractively(ask('Do gift cards expire?'), passages);
    expect(expire.text).toContain('Gift cards never expire and can be used online');
    expect(expire.text).not.toMatch(/<script|hacked|onerror|<img/);
    const email = answerExtractively(ask('How is a gift card sent?'), passages);
    expect(email.text).toContain('A gift card is sent by email');
    expect(email.text).not.toMatch(/<img|onerror|alert/);
    const lineBreak = answerExtractively(ask('How do I put a line break in the card message?'), passages);
    expect(lineBreak.text).toContain('Use the <br> tag');
  });

  it('falls back on a request to make something up, whatever words it shares with the pages', () => {
    for (const request of [
      'Write me a short poem about refunds.',
      'Can you tell me a joke about shipping?',
    ]) {
      const answer = answerExtractively(ask(request), supportPassages);
      expect(answer).toEqual({ text: DEFAULT_FALLBACK_MESSAGE, passageIds: [], grounded: false });
    }
    expect(answerExtractively(ask('What is your refund policy?'), supportPassages).grounded).toBe(true);
  });

  it('is deterministic', () => {
    for (const [question] of cases) {
      const first = answerExtractively(ask(question), supportPassages);
      expect(answerExtractively(ask(question), structuredClone(supportPassages))).toEqual(first);
    }
  });
});
