// Leads known by a phone number: captured without an address, matched in E.164 whatever the
// spelling, refused when the number is not one, joined to the lead with an address that has the
// number, and given the address the person later leaves rather than becoming a second lead.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWorkspace } from '../../helpers/factories.ts';
import { startTestApp, type TestApp } from '../../helpers/test-app.ts';
import { widgetClient } from '../../helpers/widget-client.ts';
import {
  capture,
  capturedEvents,
  createBot,
  customerOf,
  listLeads,
  startConversation,
} from './lead-helpers.ts';

const SITE = 'https://shop.example.com';

let t: TestApp;
let pub: ReturnType<typeof widgetClient>['pub'];
let chat: ReturnType<typeof widgetClient>['chat'];
beforeAll(async () => {
  t = await startTestApp();
  ({ pub, chat } = widgetClient(t, SITE));
});
afterAll(async () => {
  await t.close();
});

/** A workspace of its own with one bot, so the lists are about this test alone. */
async function fresh(settings: Record<string, unknown> = {}): Promise<{ key: string; bot: string }> {
  const own = await buildWorkspace(t.context);
  const response = await t.request({
    method: 'POST',
    url: '/v1/chatbots',
    key: own.liveKey,
    body: { name: 'Phone bot', ...settings },
  });
  expect(response.statusCode, response.body).toBe(201);
  return { key: own.liveKey, bot: response.json().id };
}

describe('phone-only leads through the API', () => {
  it('captures a lead with only a phone number, keyed in E.164', async () => {
    const { key, bot } = await fresh();
    const response = await capture(t, key, bot, { phone: '+49 151 12345678', name: 'Jonas' });
    expect(response.statusCode, response.body).toBe(201);
    const lead = response.json();
    expect(lead).toEqual({
      id: expect.stringMatching(/^lead_/),
      chatbot_id: bot,
      conversation_id: null,
      email: null,
      name: 'Jonas',
      phone: '+49 151 12345678',
      phone_e164: '+4915112345678',
      fields: {},
      captured_via: 'api',
      created_at: expect.any(String),
      updated_at: lead.created_at,
    });
    expect((await t.request({ url: `/v1/leads/${lead.id}`, key })).json()).toEqual(lead);
    expect(await capturedEvents(t, lead.id)).toEqual([{ ...lead, created: true }]);
  });

  it('makes one lead of two spellings of one number, and of its national spelling with a country', async () => {
    const { key, bot } = await fresh();
    const first = await capture(t, key, bot, { phone: '+4915112345678' });
    expect(first.statusCode).toBe(201);
    const second = await capture(t, key, bot, { phone: '+49 (0)151 1234-5678', fields: { plan: 'pro' } });
    expect(second.statusCode, second.body).toBe(200);
    const third = await capture(t, key, bot, { phone: '0151 12345678', country: 'de', name: 'Jonas' });
    expect(third.statusCode, third.body).toBe(200);
    expect(third.json()).toMatchObject({
      id: first.json().id,
      phone: '0151 12345678',
      phone_e164: '+4915112345678',
      name: 'Jonas',
      fields: { plan: 'pro' },
    });
    expect(await listLeads(t, key)).toHaveLength(1);
    // The same number on another bot is another lead.
    const otherBot = await createBot(t, key, 'Other bot');
    expect((await capture(t, key, otherBot, { phone: '+4915112345678' })).statusCode).toBe(201);
  });

  it.each([
    [{ phone: '+1 555 0199' }, 'phone', 'is not a valid phone number'],
    [{ phone: 'call me maybe' }, 'phone', 'has no country code'],
    [{ phone: '0151 12345678' }, 'phone', 'international format'],
    [{ phone: '+49 1' }, 'phone', 'is not a valid phone number'],
    [{ phone: '0151 12345678', country: 'ZZ' }, 'country', 'is not a country code'],
    [{ email: 'ana@example.com', phone: '12345' }, 'phone', 'has no country code'],
    [{ name: 'Nobody' }, 'email', "send 'email', 'phone' or both"],
    [{ fields: { plan: 'pro' } }, 'email', "send 'email', 'phone' or both"],
  ])('refuses %j naming %s, and stores nothing', async (body, param, message) => {
    const { key, bot } = await fresh();
    const response = await capture(t, key, bot, body);
    expect(response.statusCode, response.body).toBe(400);
    expect(response.json().error).toEqual({
      type: 'invalid_request_error',
      code: param === 'email' ? 'missing_required_field' : 'invalid_parameter',
      message: expect.stringContaining(message),
      param,
      status: 400,
      request_id: response.headers['x-request-id'],
    });
    expect(await listLeads(t, key)).toEqual([]);
    const events = await t.request({ url: '/v1/events?type=lead.captured', key });
    expect(events.json().data).toEqual([]);
  });

  it('puts a number alone on the lead with an address that has it, not on a second lead', async () => {
    const { key, bot } = await fresh();
    const withEmail = (
      await capture(t, key, bot, { email: 'lena@example.com', phone: '+49 151 12345678' })
    ).json();
    const conversationId = await startConversation(t, key, bot);
    const byNumber = await capture(t, key, bot, {
      phone: '+4915112345678',
      name: 'Lena',
      conversation_id: conversationId,
    });
    expect(byNumber.statusCode).toBe(200);
    expect(byNumber.json()).toMatchObject({
      id: withEmail.id,
      email: 'lena@example.com',
      name: 'Lena',
      conversation_id: conversationId,
    });
    expect(await listLeads(t, key)).toHaveLength(1);
    expect(await customerOf(t, key, conversationId)).toEqual({
      customer_email: 'lena@example.com',
      customer_name: 'Lena',
    });
  });

  it('gives a phone-only lead the address later captured in its conversation', async () => {
    const { key, bot } = await fresh();
    const conversationId = await startConversation(t, key, bot);
    const phoneOnly = (
      await capture(t, key, bot, { phone: '+34 600 123 456', name: 'Marta', conversation_id: conversationId })
    ).json();
    // A number alone names the customer but gives the conversation no address.
    expect(await customerOf(t, key, conversationId)).toEqual({
      customer_email: null,
      customer_name: 'Marta',
    });

    const upgraded = await capture(t, key, bot, {
      email: 'Marta@Example.com',
      conversation_id: conversationId,
    });
    expect(upgraded.statusCode, upgraded.body).toBe(200);
    expect(upgraded.json()).toMatchObject({
      id: phoneOnly.id,
      email: 'marta@example.com',
      phone: '+34 600 123 456',
      phone_e164: '+34600123456',
      name: 'Marta',
      captured_via: 'api',
    });
    expect(await listLeads(t, key)).toHaveLength(1);
    expect(await customerOf(t, key, conversationId)).toEqual({
      customer_email: 'marta@example.com',
      customer_name: 'Marta',
    });
    expect((await capturedEvents(t, phoneOnly.id)).map((event) => [event.email, event.created])).toEqual([
      [null, true],
      ['marta@example.com', false],
    ]);

    // The number alone now finds the lead with the address.
    const again = await capture(t, key, bot, { phone: '+34600123456' });
    expect(again.json().id).toBe(phoneOnly.id);
    expect(await listLeads(t, key)).toHaveLength(1);
  });

  it('gives a phone-only lead the address sent with its number by the team', async () => {
    const { key, bot } = await fresh();
    const phoneOnly = (await capture(t, key, bot, { phone: '+44 20 7946 0958' })).json();
    const upgraded = await capture(t, key, bot, { email: 'sam@example.co.uk', phone: '+442079460958' });
    expect(upgraded.statusCode).toBe(200);
    expect(upgraded.json()).toMatchObject({ id: phoneOnly.id, email: 'sam@example.co.uk' });
    expect(await listLeads(t, key)).toHaveLength(1);
  });

  it('keeps both leads when the address already has its own: the address’s lead is updated', async () => {
    const { key, bot } = await fresh();
    const withEmail = (await capture(t, key, bot, { email: 'kim@example.com', name: 'Kim' })).json();
    const phoneOnly = (await capture(t, key, bot, { phone: '+1 650 555 0123' })).json();
    const response = await capture(t, key, bot, { email: 'kim@example.com', phone: '+16505550123' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ id: withEmail.id, phone_e164: '+16505550123' });
    const leads = await listLeads(t, key);
    expect(leads.map((lead) => [lead.id, lead.email])).toEqual(
      expect.arrayContaining([
        [withEmail.id, 'kim@example.com'],
        [phoneOnly.id, null],
      ]),
    );
    expect(leads).toHaveLength(2);
  });

  it('makes one lead of parallel captures of one number', async () => {
    const { key, bot } = await fresh();
    const spellings = ['+49 151 12345678', '+4915112345678', '+49-151-1234-5678', '+49 (151) 12345678'];
    const responses = await Promise.all(
      [...spellings, ...spellings].map((phone, i) =>
        capture(t, key, bot, { phone, fields: { [`f${i}`]: i } }),
      ),
    );
    expect(responses.map((response) => response.statusCode).sort()).toEqual([
      200, 200, 200, 200, 200, 200, 200, 201,
    ]);
    const leads = await listLeads(t, key);
    expect(leads).toHaveLength(1);
    expect(Object.keys(leads[0]!.fields as object)).toHaveLength(8);
    expect(new Set(responses.map((response) => response.json().id))).toEqual(new Set([leads[0]!.id]));
  });

  it('gives a phone-only lead one address when parallel captures bring it', async () => {
    const { key, bot } = await fresh();
    const conversationId = await startConversation(t, key, bot);
    const phoneOnly = (
      await capture(t, key, bot, { phone: '+4915112345678', conversation_id: conversationId })
    ).json();
    const responses = await Promise.all(
      Array.from({ length: 6 }, () =>
        capture(t, key, bot, { email: 'par@example.com', conversation_id: conversationId }),
      ),
    );
    expect(responses.map((response) => response.statusCode)).toEqual([200, 200, 200, 200, 200, 200]);
    const leads = await listLeads(t, key);
    expect(leads.map((lead) => [lead.id, lead.email])).toEqual([[phoneOnly.id, 'par@example.com']]);
  });
});

describe('phone-only leads from visitors', () => {
  it('tells the widget what its form asks for: an email unless the team chose a number', async () => {
    const { key, bot } = await fresh({ widget_settings: { allowed_origins: [SITE] } });
    const config = async () => (await pub({ url: `/public/v1/chatbots/${bot}/config` })).json();
    const settings = async () =>
      (await t.request({ url: `/v1/chatbots/${bot}`, key })).json().lead_settings as Record<string, unknown>;
    expect(await settings()).toEqual({
      capture_from_chat: false,
      ask_in_widget: false,
      widget_contact: 'email',
    });
    expect(await config()).toMatchObject({ lead_form: false, lead_contact: 'email' });

    const patch = (lead_settings: Record<string, unknown>) =>
      t.request({ method: 'PATCH', url: `/v1/chatbots/${bot}`, key, body: { lead_settings } });
    const chosen = await patch({ ask_in_widget: true, widget_contact: 'email_or_phone' });
    expect(chosen.statusCode, chosen.body).toBe(200);
    expect(await config()).toMatchObject({ lead_form: true, lead_contact: 'email_or_phone' });
    // Changing another lead setting keeps the choice.
    expect((await patch({ capture_from_chat: true })).statusCode).toBe(200);
    expect(await settings()).toEqual({
      capture_from_chat: true,
      ask_in_widget: true,
      widget_contact: 'email_or_phone',
    });

    const bad = await patch({ widget_contact: 'fax' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toMatchObject({ type: 'invalid_request_error' });
    expect(bad.json().error).toMatchObject({
      param: 'lead_settings.widget_contact',
      message: "The field 'lead_settings.widget_contact' must be one of: email, phone, email_or_phone.",
    });
    expect(await config()).toMatchObject({ lead_contact: 'email_or_phone' });
  });

  it('takes a number from the widget form, and the address the visitor writes in chat later', async () => {
    const { key, bot } = await fresh({
      widget_settings: { allowed_origins: [SITE] },
      lead_settings: { capture_from_chat: true },
    });
    const first = await chat(bot, { message: 'Hello' });
    const url = `/public/v1/chatbots/${bot}/leads`;
    const form = await pub({
      method: 'POST',
      url,
      body: { phone: '0151 12345678', country: 'DE', name: 'Jonas', conversation_id: first.conversationId },
      token: first.token,
    });
    expect(form.statusCode, form.body).toBe(201);
    const [phoneOnly] = await listLeads(t, key);
    expect(phoneOnly).toMatchObject({ email: null, phone_e164: '+4915112345678', captured_via: 'widget' });

    const bad = await pub({ method: 'POST', url, body: { phone: '12' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toMatchObject({ param: 'phone' });
    const neither = await pub({ method: 'POST', url, body: { name: 'Nobody' } });
    expect(neither.statusCode).toBe(400);
    expect(neither.json().error).toMatchObject({ code: 'missing_required_field' });

    const later = await chat(
      bot,
      { message: 'You can also write to jonas@example.de', conversation_id: first.conversationId },
      first.token,
    );
    expect(later.response.statusCode).toBe(200);
    expect(await listLeads(t, key)).toEqual([
      expect.objectContaining({ id: phoneOnly!.id, email: 'jonas@example.de', name: 'Jonas' }),
    ]);
  });

  it('takes a number written in chat in international format, and only in it', async () => {
    const { key, bot } = await fresh({
      widget_settings: { allowed_origins: [SITE] },
      lead_settings: { capture_from_chat: true },
    });
    const first = await chat(bot, { message: 'My order 12345678 is late, call 0151 12345678' });
    expect(first.response.statusCode).toBe(200);
    expect(await listLeads(t, key)).toEqual([]);

    await chat(
      bot,
      { message: 'Sorry, that is +49 151 12345678', conversation_id: first.conversationId },
      first.token,
    );
    const leads = await listLeads(t, key);
    expect(leads).toEqual([
      expect.objectContaining({
        email: null,
        phone: '+49 151 12345678',
        phone_e164: '+4915112345678',
        conversation_id: first.conversationId,
        captured_via: 'chat',
      }),
    ]);
    await chat(
      bot,
      { message: 'and my email: jo@example.com', conversation_id: first.conversationId },
      first.token,
    );
    expect(await listLeads(t, key)).toEqual([
      expect.objectContaining({ id: leads[0]!.id, email: 'jo@example.com', phone_e164: '+4915112345678' }),
    ]);
  });

  it('never gives a phone-only lead of another conversation a visitor’s address', async () => {
    const { key, bot } = await fresh({ widget_settings: { allowed_origins: [SITE] } });
    const owner = (await capture(t, key, bot, { phone: '+4915112345678', name: 'Owner' })).json();
    const visitor = await chat(bot, { message: 'Hi' });
    const form = await pub({
      method: 'POST',
      url: `/public/v1/chatbots/${bot}/leads`,
      body: {
        email: 'someone@example.com',
        phone: '+4915112345678',
        conversation_id: visitor.conversationId,
      },
      token: visitor.token,
    });
    expect(form.statusCode).toBe(201);
    const leads = await listLeads(t, key);
    expect(leads).toHaveLength(2);
    expect(leads.find((lead) => lead.id === owner.id)).toMatchObject({ email: null, name: 'Owner' });
  });
});
