// The HTML of the page at `/`: what Parley is, questions to try, and the widget embedded with the
// one script tag a customer would use. Everything interpolated is escaped.

function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

const STYLE = `
  :root { color-scheme: light; --ink: #111827; --muted: #4b5563; --line: #e5e7eb; --brand: #4f46e5; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 16px/1.6 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink);
         background: linear-gradient(180deg, #eef2ff 0, #fff 320px); }
  main { max-width: 720px; margin: 0 auto; padding: 56px 24px 120px; }
  /* On wide screens the text keeps left of the chat panel that opens in the corner. */
  @media (min-width: 1100px) { main { margin-left: max(48px, calc(50vw - 560px)); } }
  h1 { font-size: 2.25rem; line-height: 1.2; margin: 0 0 12px; }
  h2 { font-size: 1.15rem; margin: 36px 0 8px; }
  p { margin: 0 0 12px; color: var(--muted); }
  .tag { display: inline-block; font-size: .8rem; font-weight: 600; color: var(--brand); background: #e0e7ff;
         border-radius: 999px; padding: 2px 10px; margin-bottom: 16px; }
  ul.questions { list-style: none; padding: 0; margin: 0; display: grid; gap: 8px; }
  ul.questions li { background: #fff; border: 1px solid var(--line); border-radius: 10px; padding: 10px 14px; }
  button { font: inherit; font-weight: 600; color: #fff; background: var(--brand); border: 0; border-radius: 10px;
           padding: 10px 18px; cursor: pointer; margin-top: 16px; }
  button:hover { filter: brightness(1.1); }
  pre { background: #0f172a; color: #e2e8f0; border-radius: 10px; padding: 14px 16px; overflow-x: auto;
        font-size: .85rem; }
  a { color: var(--brand); }
  pre.doc { background: #fff; color: var(--ink); border: 1px solid var(--line); white-space: pre-wrap;
            font-size: .9rem; line-height: 1.55; }
  footer { margin-top: 40px; font-size: .9rem; color: var(--muted); }
`;

function layout(title: string, body: string, scripts = '', nonce = ''): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style${nonce ? ` nonce="${nonce}"` : ''}>${STYLE}</style>
</head>
<body>
<main>
${body}
</main>
${scripts}</body>
</html>
`;
}

/**
 * The Content-Security-Policy of the demo page: as strict as a careful site's (no inline script
 * or style but the page's own, by nonce), to show that the widget needs nothing looser.
 */
export function demoPagePolicy(nonce: string): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}'`,
    `style-src 'self' 'nonce-${nonce}'`,
    "connect-src 'self'",
    "img-src 'self' data:",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** The demo page, with the widget of `chatbotId`; `nonce` marks its own inline script and style. */
export function renderDemoPage(input: { chatbotId: string; questions: string[]; nonce: string }): string {
  const id = escapeHtml(input.chatbotId);
  const nonce = escapeHtml(input.nonce);
  const embed = `<script src="/widget.js" data-chatbot-id="${id}" async></script>`;
  const questions = input.questions.map((q) => `<li>${escapeHtml(q)}</li>`).join('\n    ');
  // The queue stub lets the button call Parley('open') before widget.js has loaded.
  const scripts = `<script nonce="${nonce}">window.Parley = window.Parley || function () { (window.Parley.q = window.Parley.q || []).push(arguments); };
document.getElementById('open-chat').addEventListener('click', function () { window.Parley('open'); });</script>
${embed}
`;
  const body = `<span class="tag">Parley demo</span>
<h1>A support chatbot that knows Parley</h1>
<p>Parley is a self-hosted platform for AI customer-support chatbots: train a bot on your own
knowledge, put it on your site with one script tag, watch every conversation, and take over
when a person is needed — all through a REST API with signed webhooks.</p>
<p>The chat in the corner is a real Parley chatbot, running on this server. It was trained on
Parley's own documentation and answers with the built-in offline answerer: no AI provider and
no key needed.</p>

<h2>Try asking</h2>
<ul class="questions">
    ${questions}
    <li>Talk to a person</li>
</ul>
<button type="button" id="open-chat">Open the chat</button>

<h2>How it is embedded</h2>
<p>This page embeds the widget exactly as your site would:</p>
<pre><code>${escapeHtml(embed)}</code></pre>
<p>Your own chatbots answer only on the sites listed in their <code>widget_settings.allowed_origins</code>.</p>

<h2>Next steps</h2>
<p>Use the live API key printed when the server first started, and read the
<a href="/docs">API reference</a> to create your own chatbot and train it on your site.</p>

<footer>Turn this page off with <code>PARLEY_DEMO=false</code>.</footer>`;
  return layout('Parley demo', body, scripts, nonce);
}

/** A documentation file as the demo's answers link to it: its Markdown, as text. */
export function renderDemoDoc(input: { path: string; content: string }): string {
  return layout(
    `${input.path} — Parley`,
    `<p><a href="/">← The Parley demo</a></p>
<pre class="doc">${escapeHtml(input.content)}</pre>`,
  );
}

/** What `/` says when there is no demo bot to show. */
export function renderNoDemoPage(reason: 'off' | 'missing'): string {
  const why =
    reason === 'off'
      ? '<p>The demo chatbot is turned off on this server (<code>PARLEY_DEMO=false</code>).</p>'
      : '<p>The demo chatbot is not there: it is created when the server starts. Restart the server to create it again.</p>';
  return layout(
    'Parley',
    `<h1>Parley is running</h1>
${why}
<p>The API is at <code>/v1</code>; its reference is at <a href="/docs">/docs</a>.</p>`,
  );
}
