// Each role's home, as the demo people see it: what to do, each item a link. Screenshots
// of every home (test-results/home-<role>.png), the requester's also on a phone (390×844)
// with no sideways scrolling, and the search boxes of "Mis trámites" and the analysts.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { DEMO, launchBrowser, logIn, auditedScreenshot, withPage } from './helpers.js';

const DESKTOP = { viewport: { width: 1366, height: 768 } };
const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

/** Every link of a home section points somewhere that answers 200. */
async function assertLinksAnswer(page, section) {
  const hrefs = await page.locator(`${section} a`).evaluateAll((as) => as.map((a) => a.getAttribute('href')));
  assert.ok(hrefs.length > 0, `${section} has links`);
  for (const href of new Set(hrefs)) {
    const res = await page.request.get(href);
    assert.equal(res.status(), 200, `${section}: ${href}`);
  }
}

test('the requester home lists what to correct and finish, and the search box finds by name without accents', async (t) => {
  await withPage(browser, t, DESKTOP, async (page) => {
    await logIn(page, DEMO.requester);
    await page.getByRole('heading', { level: 1, name: /^Hola, / }).waitFor();
    await page.getByRole('link', { name: 'Nuevo trámite' }).first().waitFor();
    // The demo has an observed ticket and a draft.
    const observed = page.locator('#pendiente-observados');
    await observed.getByRole('link', { name: /^Corregir el trámite CD-\d{4}-\d{6}$/ }).first().waitFor();
    assert.ok((await observed.locator('.observation').count()) > 0, 'the observation is quoted');
    await page.locator('#pendiente-borradores').getByRole('link', { name: /^Terminar el trámite / }).first().waitFor();
    await assertLinksAnswer(page, '#pendiente-observados');
    await page.getByRole('heading', { name: 'Mesa de Servicios' }).waitFor({ state: 'detached' });
    await auditedScreenshot(page, 'home-requester');

    // Mis trámites: search a surname typed without its accent.
    await page.goto('/tramites');
    await page.getByRole('searchbox', { name: 'Buscar' }).fill('galvez');
    await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Buscar' }).click()]);
    assert.match(page.url(), /\/tramites\?q=galvez/);
    const rows = page.locator('table.list-table tbody tr');
    assert.ok((await rows.count()) >= 1, 'the ticket of Gálvez Paredes is found');
    await auditedScreenshot(page, 'home-requester-search');
    await page.getByRole('searchbox', { name: 'Buscar' }).fill('zzzz-nadie');
    await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Buscar' }).click()]);
    await page.getByText('Ningún trámite suyo coincide con la búsqueda.').waitFor();
  });
});

test('the requester home fits a phone (390×844) without sideways scrolling', async (t) => {
  await withPage(browser, t, PHONE, async (page) => {
    await logIn(page, DEMO.requester);
    await page.locator('#pendiente-observados').waitFor();
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 390, `the home is ${width}px wide in 390px`);
    await auditedScreenshot(page, 'home-requester-phone');
    await page.goto('/tramites?q=galvez');
    const listWidth = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(listWidth <= 390, `Mis trámites is ${listWidth}px wide in 390px`);
  });
});

test('the analyst home shows the queue, the next batch and missing results; the search page finds anyone', async (t) => {
  await withPage(browser, t, DESKTOP, async (page) => {
    await logIn(page, DEMO.analyst);
    await page.getByRole('heading', { name: 'Mesa de Servicios' }).waitFor();
    const queue = page.locator('#pendiente-cola');
    await queue.getByRole('link', { name: 'Cola de atención' }).waitFor();
    await page.locator('#pendiente-lote').getByText(/^Corte: /).waitFor();
    await page.locator('#pendiente-resultados').waitFor();
    assert.equal(await page.locator('#pendiente-solicitudes').count(), 0, 'no admin section');
    await assertLinksAnswer(page, '#pendiente-lote');
    await auditedScreenshot(page, 'home-analyst');

    // The search page, from the navigation.
    const nav = page.getByRole('navigation', { name: 'Navegación principal' });
    await Promise.all([page.waitForNavigation(), nav.getByRole('link', { name: 'Buscar', exact: true }).click()]);
    await page.getByRole('heading', { name: 'Buscar trámites' }).waitFor();
    await page.getByRole('searchbox', { name: 'Buscar' }).fill('CABRERA');
    await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Buscar' }).click()]);
    const rows = page.locator('table.search-table tbody tr');
    assert.ok((await rows.count()) >= 1, 'María Cabrera\'s tickets are found');
    const href = await rows.first().locator('th a').getAttribute('href');
    assert.match(href, /^\/analista\/tramites\//);
    await auditedScreenshot(page, 'analyst-search');
  });
});

test('the admin home shows access requests, undelivered mail and the jobs, and the desk too', async (t) => {
  await withPage(browser, t, DESKTOP, async (page) => {
    await logIn(page, DEMO.admin);
    await page.getByRole('heading', { name: 'Administración' }).waitFor();
    const requests = page.locator('#pendiente-solicitudes');
    await requests.getByRole('link', { name: 'Solicitudes de acceso' }).waitFor();
    await page.locator('#pendiente-correos').getByRole('link', { name: 'Correos no entregados' }).waitFor();
    const jobs = page.locator('#pendiente-tareas table');
    assert.ok((await jobs.locator('tbody tr').count()) >= 5, 'one row per job');
    // An admin works the queue too.
    await page.getByRole('heading', { name: 'Mesa de Servicios' }).waitFor();
    await assertLinksAnswer(page, '#pendiente-solicitudes');
    await auditedScreenshot(page, 'home-admin');
  });
});
