// The widget's CSS. It lives inside the shadow root, so page styles do not match anything in
// it and these rules match nothing outside it; inherited properties (font, colour) still flow
// in through the host, which is why the host is reset with `all: initial` (see main.tsx).
// Colours come from the bot's config as custom properties set on the root element.

import type { WidgetConfig } from './types.ts';

export const DEFAULT_COLORS: WidgetConfig['colors'] = {
  primary: '#2563eb',
  background: '#ffffff',
  text: '#111827',
};

/** A colour usable in CSS, else the fallback: config values are shown to every visitor. */
export function cssColor(value: string | undefined, fallback: string): string {
  if (!value || typeof value !== 'string') return fallback;
  if (typeof CSS !== 'undefined' && typeof CSS.supports === 'function') {
    return CSS.supports('color', value) ? value : fallback;
  }
  return /^#[0-9a-f]{3,8}$/i.test(value) ? value : fallback;
}

/** Black or white, whichever reads better on a `#rgb`/`#rrggbb` colour (white otherwise). */
export function textOn(color: string): string {
  const hex = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(color)?.[1];
  if (!hex) return '#ffffff';
  const full = hex.length === 3 ? [...hex].map((c) => c + c).join('') : hex;
  const [r, g, b] = [0, 2, 4].map((i) => {
    const c = Number.parseInt(full.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  const luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  return luminance > 0.45 ? '#111111' : '#ffffff';
}

export function themeVars(colors: Partial<WidgetConfig['colors']> | undefined): Record<string, string> {
  const primary = cssColor(colors?.primary, DEFAULT_COLORS.primary);
  return {
    '--pw-primary': primary,
    '--pw-on-primary': textOn(primary),
    '--pw-bg': cssColor(colors?.background, DEFAULT_COLORS.background),
    '--pw-text': cssColor(colors?.text, DEFAULT_COLORS.text),
  };
}

export const CSS_TEXT = `
:host{all:initial}
.root{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--pw-text);-webkit-font-smoothing:antialiased;text-align:left}
.root *,.root *::before,.root *::after{box-sizing:border-box}
button{font:inherit;cursor:pointer}
button:disabled{cursor:default;opacity:.55}
button:focus-visible,input:focus-visible,textarea:focus-visible,a:focus-visible{outline:2px solid var(--pw-primary);outline-offset:2px}
.launcher{position:fixed;bottom:20px;right:20px;width:56px;height:56px;border-radius:50%;border:0;padding:0;background:var(--pw-primary);color:var(--pw-on-primary);box-shadow:0 6px 20px rgba(0,0,0,.22);display:flex;align-items:center;justify-content:center;z-index:2147483000}
.left .launcher{right:auto;left:20px}
.launcher svg{width:26px;height:26px}
.badge{position:absolute;top:2px;right:2px;width:12px;height:12px;border-radius:50%;background:#e11d48;border:2px solid #fff}
.panel{position:fixed;bottom:88px;right:20px;width:380px;max-width:calc(100vw - 40px);height:600px;max-height:calc(100vh - 108px);background:var(--pw-bg);color:var(--pw-text);border-radius:14px;box-shadow:0 12px 40px rgba(0,0,0,.25);display:flex;flex-direction:column;overflow:hidden;z-index:2147483001}
.left .panel{right:auto;left:20px}
.header{background:var(--pw-primary);color:var(--pw-on-primary);padding:12px 10px 12px 16px;display:flex;align-items:center;gap:8px}
.header h2{font-size:16px;font-weight:600;margin:0;flex:1;overflow:hidden;text-overflow:ellipsis;white-space:nowrap;color:inherit}
.icon{background:transparent;border:0;color:inherit;border-radius:8px;width:34px;height:34px;display:flex;align-items:center;justify-content:center;padding:0}
.icon svg{width:20px;height:20px}
.header button:focus-visible{outline-color:var(--pw-on-primary);outline-offset:-2px}
.messages{flex:1;overflow-y:auto;padding:14px;display:flex;flex-direction:column;gap:10px}
.msg{max-width:85%;padding:8px 12px;border-radius:14px;overflow-wrap:anywhere;word-break:break-word}
.msg.user{align-self:flex-end;background:var(--pw-primary);color:var(--pw-on-primary);white-space:pre-wrap;border-bottom-right-radius:4px}
.msg.assistant,.msg.agent{align-self:flex-start;background:rgba(127,127,127,.13);border-bottom-left-radius:4px}
.msg.system{align-self:center;max-width:95%;font-size:12px;opacity:.8;text-align:center;padding:2px 8px}
.msg p{margin:0 0 .5em}.msg p:last-child{margin-bottom:0}
.msg ul,.msg ol{margin:.3em 0 .5em;padding-left:1.4em}
.msg li{margin:.15em 0}
.msg hr{border:0;border-top:1px solid rgba(127,127,127,.35);margin:.6em 0}
.msg a{color:inherit;text-decoration:underline}
.msg code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.9em;background:rgba(127,127,127,.2);padding:0 .25em;border-radius:4px}
.msg pre{background:#1f2430;color:#f3f4f6;padding:8px 10px;border-radius:8px;overflow-x:auto;margin:.4em 0;white-space:pre}
.msg pre code{background:none;padding:0;color:inherit}
.msg a.cite{font-size:.75em;vertical-align:super;text-decoration:none;margin-left:1px;font-weight:600}
.author{display:block;font-size:11px;font-weight:600;opacity:.75;margin-bottom:2px}
.note{font-size:11px;opacity:.7;margin-top:4px;font-style:italic}
.sources{margin-top:8px;padding-top:6px;border-top:1px solid rgba(127,127,127,.3);font-size:12px}
.sources p{margin:0 0 2px;font-weight:600}
.sources ol{margin:0;padding-left:1.3em}
.actions{display:flex;gap:2px;margin-top:4px}
.thumb{background:transparent;border:0;color:inherit;border-radius:6px;width:28px;height:26px;padding:0;display:flex;align-items:center;justify-content:center;opacity:.6}
.thumb svg{width:16px;height:16px}
.thumb:hover,.thumb[aria-pressed="true"]{opacity:1}
.thumb[aria-pressed="true"]{color:var(--pw-primary)}
.typing{display:flex;gap:4px;align-items:center;height:20px}
.typing span{width:7px;height:7px;border-radius:50%;background:currentColor;opacity:.4;animation:pw-blink 1.2s infinite}
.typing span:nth-child(2){animation-delay:.2s}.typing span:nth-child(3){animation-delay:.4s}
@keyframes pw-blink{0%,80%,100%{opacity:.25}40%{opacity:.9}}
.starters{display:flex;flex-wrap:wrap;gap:6px;margin-top:2px}
.starters button{border:1px solid var(--pw-primary);color:var(--pw-primary);background:transparent;border-radius:16px;padding:6px 12px;text-align:left}
.error{margin:0 14px 8px;padding:8px 10px;border-radius:8px;background:#fdecea;color:#8a1c13;font-size:13px;display:flex;gap:8px;align-items:flex-start}
.error span{flex:1}
.error button{background:transparent;border:0;color:inherit;padding:0 4px;font-size:16px;line-height:1}
.handoff{display:flex;justify-content:center;padding:0 14px 8px}
.handoff button{background:transparent;border:1px solid rgba(127,127,127,.5);color:inherit;border-radius:16px;padding:5px 12px;font-size:13px}
.composer{display:flex;gap:8px;padding:10px;border-top:1px solid rgba(127,127,127,.25);align-items:flex-end}
.composer textarea{flex:1;resize:none;font:inherit;color:inherit;background:transparent;border:1px solid rgba(127,127,127,.45);border-radius:10px;padding:8px 10px;min-height:40px;max-height:120px;margin:0}
.send{background:var(--pw-primary);color:var(--pw-on-primary);border:0;border-radius:10px;width:42px;height:40px;padding:0;display:flex;align-items:center;justify-content:center}
.send svg{width:18px;height:18px}
.lead{padding:16px;display:flex;flex-direction:column;gap:10px;border-top:1px solid rgba(127,127,127,.25)}
.lead p{margin:0}
.lead .lead-missing{color:#b42318;font-size:13px}
.lead label{display:flex;flex-direction:column;gap:4px;font-size:13px;font-weight:600}
.lead input{font:inherit;font-weight:400;color:inherit;background:transparent;border:1px solid rgba(127,127,127,.45);border-radius:8px;padding:8px 10px;margin:0}
.lead button{background:var(--pw-primary);color:var(--pw-on-primary);border:0;border-radius:8px;padding:9px 12px;font-weight:600}
.rating{margin:0 14px 8px;padding:10px 12px;border:1px solid rgba(127,127,127,.35);border-radius:10px;display:flex;flex-direction:column;gap:8px}
.rating p{margin:0;font-weight:600}
.stars{display:flex;gap:4px;border:0;margin:0;padding:0;min-width:0}
.stars button{background:transparent;border:0;color:rgba(127,127,127,.6);font-size:24px;line-height:1;padding:2px 4px;border-radius:6px}
.stars button.on{color:var(--pw-primary)}
.rating textarea{resize:none;font:inherit;color:inherit;background:transparent;border:1px solid rgba(127,127,127,.45);border-radius:8px;padding:6px 8px;margin:0}
.rating .submit{align-self:flex-start;background:var(--pw-primary);color:var(--pw-on-primary);border:0;border-radius:8px;padding:7px 12px;font-weight:600}
.rated{margin:0 14px 8px;font-size:13px;text-align:center;opacity:.8}
.sr-only{position:absolute;width:1px;height:1px;margin:-1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap;border:0}
@media (max-width:480px){
.panel{top:0;left:0;right:0;bottom:0;width:100%;max-width:none;height:100%;max-height:none;border-radius:0}
.left .panel{left:0}
.open .launcher{display:none}
}
@media (prefers-reduced-motion:reduce){.typing span{animation:none;opacity:.6}}
`;
