// Shared set-up for the browser tests: launches Debian's Chromium through
// playwright-core (never a browser that Playwright downloads itself), gives
// each test its own browser context, and knows the demo logins.
//
// The server under test is started by .ci/e2e (or by hand); its address comes
// from CERTDESK_E2E_BASE_URL, e.g. http://127.0.0.1:8080.

import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

/** Debian's `chromium` package; overridable for a developer's own machine. */
export const CHROMIUM_PATH = process.env.CERTDESK_E2E_CHROMIUM ?? '/usr/bin/chromium';

/** Without the background-networking flags Chromium keeps dialling out on a closed network. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Screenshots land here (gitignored). */
export const RESULTS_DIR = fileURLToPath(new URL('../test-results/', import.meta.url));

export const DEMO = Object.freeze({
  admin: { email: 'admin@regioncajamarca.gob.pe', password: 'demo-admin-2026' },
  analyst: { email: 'analista@regioncajamarca.gob.pe', password: 'demo-analista-2026' },
  requester: { email: 'solicitante@regioncajamarca.gob.pe', password: 'demo-solicitante-2026' },
});

/** The server's base URL, without a trailing slash. */
export function baseUrl() {
  const url = process.env.CERTDESK_E2E_BASE_URL;
  if (!url) {
    throw new Error(
      'CERTDESK_E2E_BASE_URL is not set: start `certdesk serve --demo` and point it there ' +
        '(or run .ci/e2e, which does both)',
    );
  }
  return url.replace(/\/+$/, '');
}

/**
 * Launches headless Chromium. launch() gives it a fresh, empty user-data-dir
 * each time, so no state leaks between runs.
 */
export async function launchBrowser() {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
  });
}

/**
 * A fresh browser context (own cookies, own storage) and a page in it.
 * Options are passed to browser.newContext (e.g. { viewport }).
 */
export async function newPage(browser, options = {}) {
  const context = await browser.newContext({
    baseURL: baseUrl(),
    locale: 'es-PE',
    timezoneId: 'America/Lima',
    ...options,
  });
  context.setDefaultTimeout(15_000);
  context.setDefaultNavigationTimeout(20_000);
  const page = await context.newPage();
  return { context, page };
}

/** Saves a full-page screenshot under e2e/test-results/NAME.png and returns its path. */
export async function screenshot(page, name) {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const path = `${RESULTS_DIR}${name}.png`;
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Checks the page with [`audit`], then saves its screenshot as NAME. */
export async function auditedScreenshot(page, name) {
  await audit(page, name);
  return screenshot(page, name);
}

/**
 * Runs `fn(page, context)` in a fresh context and closes the context
 * afterwards; on failure saves a screenshot named after the test first.
 */
export async function withPage(browser, t, options, fn) {
  const { context, page } = await newPage(browser, options);
  try {
    await fn(page, context);
  } catch (err) {
    const name = `FAILED-${t.name.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}`;
    await screenshot(page, name).catch(() => {});
    throw err;
  } finally {
    await context.close();
  }
}

/** Fills and submits the login form as a person would, waiting for the answer page. */
export async function logIn(page, { email, password }) {
  await page.goto('/login');
  await page.getByLabel('Correo institucional').fill(email);
  await page.getByLabel('Contraseña', { exact: true }).fill(password);
  await Promise.all([
    page.waitForNavigation(),
    page.getByRole('button', { name: 'Ingresar' }).click(),
  ]);
}

/** Phone viewport used for the requester's journeys. */
export const PHONE = Object.freeze({
  viewport: { width: 390, height: 844 },
  deviceScaleFactor: 2,
  isMobile: true,
  hasTouch: true,
});

/** axe-core's source, read once from node_modules (works offline after `npm ci`). */
let axeSource;
function axeScript() {
  axeSource ??= readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  return axeSource;
}

/**
 * Checks the page as it stands: zero axe-core violations of impact `serious` or
 * `critical`, and no horizontal scrolling at the current viewport. Fails with a readable
 * list (rule, impact, help, the offending elements) naming `label`.
 */
export async function audit(page, label) {
  await page.waitForLoadState();
  // addScriptTag inserts a <script> element, which the pages' CSP (script-src 'self')
  // refuses to run; evaluating the same source through DevTools is not subject to CSP.
  const loaded = () => page.evaluate(() => typeof window.axe !== 'undefined');
  if (!(await loaded())) {
    await page.addScriptTag({ content: axeScript() }).catch(() => {});
    if (!(await loaded())) await page.evaluate(axeScript());
  }
  const violations = await page.evaluate(async () => {
    const result = await window.axe.run(document, { resultTypes: ['violations'] });
    return result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        nodes: v.nodes.slice(0, 5).map((n) => `${n.target.join(' ')} — ${n.failureSummary.replace(/\s+/g, ' ')}`),
        more: Math.max(0, v.nodes.length - 5),
      }));
  });
  const listing = violations
    .map(
      (v) =>
        `- [${v.impact}] ${v.id}: ${v.help}\n` +
        v.nodes.map((n) => `    ${n}`).join('\n') +
        (v.more ? `\n    … and ${v.more} more` : ''),
    )
    .join('\n');
  assert.equal(
    violations.length,
    0,
    `${label} (${page.url()}): serious or critical accessibility violations:\n${listing}`,
  );
  const { scrollWidth, innerWidth } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
  }));
  assert.ok(
    scrollWidth <= innerWidth,
    `${label} (${page.url()}): the page is ${scrollWidth}px wide in a ${innerWidth}px viewport`,
  );
}
