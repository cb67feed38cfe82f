/** @jsxImportSource preact */
// widget.js: read the script tag, take over `window.Parley`, mount the UI in a shadow root.

import { render } from 'preact';
import { App } from './App.tsx';
import { createApi } from './api.ts';
import { installCommands, type ParleyFunction } from './commands.ts';
import { createController } from './controller.ts';
import { browserStorage, createStore } from './storage.ts';
import { CSS_TEXT } from './styles.ts';

// Only valid while this script first runs: captured here, before anything asynchronous.
// (The fallback covers a loader that inserts the tag and runs it in a way that hides it.)
const script = (document.currentScript ??
  document.querySelector('script[data-chatbot-id]')) as HTMLScriptElement | null;

declare global {
  interface Window {
    Parley?: ParleyFunction;
  }
}

function boot() {
  // A second copy of the script on the page would mount a second widget: keep the first.
  if (window.Parley?.loaded) return;
  const chatbotId = script?.dataset.chatbotId;
  if (!script || !chatbotId) {
    console.warn('Parley: the widget script needs a data-chatbot-id attribute.');
    return;
  }
  // The API is where widget.js came from, unless the tag says otherwise.
  const apiBase = script.dataset.apiBase || new URL(script.src, location.href).origin;
  const controller = createController({ open: script.dataset.open === 'true', identity: null });
  installCommands(window, {
    open: () => controller.set({ open: true }),
    close: () => controller.set({ open: false }),
    identify: (identity) => controller.set({ identity }),
  });

  const api = createApi(apiBase, chatbotId);
  const store = createStore(browserStorage(), chatbotId);
  const mount = () => {
    const host = document.createElement('parley-widget');
    host.setAttribute('data-chatbot-id', chatbotId);
    // The page's inherited styles (font, colour, line height…) stop here; rules of the
    // page cannot select anything inside the shadow root.
    host.style.setProperty('all', 'initial', 'important');
    document.body.appendChild(host);
    const shadow = host.attachShadow({ mode: 'open' });
    const adopted = adoptStyles(shadow);
    render(<App api={api} store={store} controller={controller} inlineStyles={!adopted} />, shadow);
  };
  if (document.body) mount();
  else document.addEventListener('DOMContentLoaded', mount, { once: true });
}

/**
 * The stylesheet as a constructed one, adopted by the shadow root: it is not inline CSS, so the
 * widget keeps its looks on pages whose Content-Security-Policy forbids inline styles.
 */
function adoptStyles(shadow: ShadowRoot): boolean {
  try {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS_TEXT);
    shadow.adoptedStyleSheets = [sheet];
    return true;
  } catch {
    return false;
  }
}

boot();
