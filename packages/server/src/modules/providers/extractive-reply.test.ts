// What the offline answerer quotes: the kind of text a question asks for (a number, a menu path),
// a second sentence that scores almost as well, never markup, and nothing for a request to make
// something up. Scoring and composing in general are in extractive-answerer.test.ts.
import { describe, expect, it } from 'vitest';
import { supportPassages } from '../../../test/fixtures/support-passages.ts';
import { answerExtractively, DEFAULT_FALLBACK_MESSAGE } from './extractive-answerer.ts';
import type { ChatTurn, Passage } from './provider-types.ts';

const ask = (content: string): ChatTurn[] => [{ role: 'user', content }];

describe('what the offline answerer quotes', () => {
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

  it('answers "what is X?" with the sentence that says what X is, first', () => {
    const passages: Passage[] = [
      {
        id: 'models',
        title: 'Agent loops',
        url: null,
        heading: 'Agent loops > Models',
        text: 'An agent loop runs on the agent loop integration that the loop names, or on its chatbot’s own.',
        score: 0.8,
      },
      {
        id: 'intro',
        title: 'Agent loops',
        url: null,
        text: 'An agent loop is a model given instructions and tools, that works on its own until it calls finish.',
        score: 0.8,
      },
    ];
    const answer = answerExtractively(ask('What is an agent loop?'), passages);
    expect(answer.passageIds[0]).toBe('intro');
    expect(answer.text).toMatch(/^An agent loop is a model given instructions and tools/);
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
});
