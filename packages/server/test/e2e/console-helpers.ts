// Helpers for driving the console in Chromium: signing in, and checking a page — a screenshot
// at desktop and at phone width into test-artifacts/, and axe-core's accessibility rules, of
// which no critical one may fail.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { expect } from 'vitest';
import { REPO_ROOT } from './process-helpers.ts';

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
export const ARTIFACTS = path.join(REPO_ROOT, 'test-artifacts');
/** Generous: a busy two-core machine runs the server, its ingestion and browsers at once. */
export const UI_TIMEOUT_MS = 60_000;

export const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** A browser context signed in to the console as the person (through the sign-in page). */
export async function signIn(
  browser: Browser,
  url: string,
  email: string,
  password: string,
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: DESKTOP });
  const page = await context.newPage();
  await page.goto(`${url}/app`);
  // Signed out, the console opens its sign-in page.
  await page.waitForURL(`${url}/app/sign-in`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Chatbots' }).waitFor({ timeout: UI_TIMEOUT_MS });
  return { context, page };
}

/** Critical axe-core violations of the page as it is now, as readable lines. */
async function criticalViolations(page: Page): Promise<string[]> {
  // Evaluated through the browser's protocol: the console's Content-Security-Policy stays on
  // (it would refuse an injected script tag).
  await page.evaluate(AXE_SOURCE);
  const results = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (context: Document) => Promise<AxeResults> } }).axe;
    return axe.run(document);
  });
  return results.violations
    .filter((violation) => violation.impact === 'critical')
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
}
interface AxeResults {
  violations: { id: string; impact: string | null; help: string; nodes: { target: string[] }[] }[];
}

/**
 * Screenshots the page at desktop and phone width (console-NAME-desktop.png, -phone.png) and
 * checks both layouts with axe-core. `ready` is waited for at each width.
 */
export async function checkPage(page: Page, name: string, ready: () => Promise<unknown>): Promise<void> {
  for (const [label, viewport] of [
    ['desktop', DESKTOP],
    ['phone', PHONE],
  ] as const) {
    await page.setViewportSize(viewport);
    await ready();
    await page.screenshot({ path: path.join(ARTIFACTS, `console-${name}-${label}.png`), fullPage: true });
    expect(await criticalViolations(page), `${name} at ${label} width`).toEqual([]);
  }
  await page.setViewportSize(DESKTOP);
}
