// The analysts' working day in a browser, at the desk's usual 1366×768: the FIFO queue
// (filtered with the keyboard), a review (take, a missing observation, approve), the RENIEC
// batch page (close now, download the package, record RENIEC's answer) and the certificates;
// then a phone check of the queue and the review page, and a requester refused (403).
// Screenshots are numbered 20-… to 29-… in e2e/test-results/.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, test } from 'node:test';

import { DEMO, RESULTS_DIR, audit, launchBrowser, logIn, screenshot, withPage } from './helpers.js';

const DESKTOP = { viewport: { width: 1366, height: 768 } };
const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };

/** What fits on the screen without scrolling (the helper's screenshots are full-page). */
async function viewportShot(page, name) {
  mkdirSync(RESULTS_DIR, { recursive: true });
  await page.screenshot({ path: `${RESULTS_DIR}${name}.png`, fullPage: false });
}

async function clickAndWait(page, locator) {
  await Promise.all([page.waitForNavigation(), locator.click()]);
}

/** The page must fit the viewport: no sideways scrolling on a phone. */
async function assertNoHorizontalScroll(page, where) {
  const { scrollWidth, innerWidth } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
  }));
  assert.ok(scrollWidth <= innerWidth, `${where}: ${scrollWidth}px wide in ${innerWidth}px`);
}

/** Today in Lima as YYYY-MM-DD (what a date input holds). */
function todayInLima() {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'America/Lima' }).format(new Date());
}

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

test('an analyst works the queue, reviews, approves and handles the RENIEC batch (1366×768)', async (t) => {
  await withPage(browser, t, DESKTOP, async (page) => {
    await logIn(page, DEMO.analyst);
    const nav = page.getByRole('navigation', { name: 'Navegación principal' });
    for (const entry of ['Cola', 'Lote RENIEC', 'Certificados']) {
      await nav.getByRole('link', { name: entry, exact: true }).waitFor();
    }

    // The queue: one dense table in arrival order.
    await clickAndWait(page, nav.getByRole('link', { name: 'Cola', exact: true }));
    await page.getByRole('heading', { name: 'Cola de atención' }).waitFor();
    const table = page.getByRole('table');
    for (const header of ['N°', 'Trámite', 'Tipo y motivo', 'Registrado por', 'Llegada', 'Estado', 'Analista']) {
      await table.getByRole('columnheader', { name: header, exact: true }).waitFor();
    }
    const positions = (await page.locator('td.cell-pos').allInnerTexts()).map(Number);
    assert.ok(positions.length >= 2, 'the demo has tickets waiting');
    assert.deepEqual(positions, [...positions].sort((a, b) => a - b), 'FIFO order');
    assert.equal(positions[0], 1);
    await audit(page, '20-cola-escritorio');
    await screenshot(page, '20-cola-escritorio');

    // Filters with the keyboard only: focus the status select, choose, press Enter.
    await page.getByLabel('Estado').focus();
    await page.getByLabel('Estado').selectOption('en_atencion');
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => document.activeElement?.textContent?.trim());
    assert.equal(focused, 'Filtrar', 'tab order: the button follows the filters');
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    const statuses = await page.locator('td.cell-status').allInnerTexts();
    assert.ok(statuses.length >= 1 && statuses.every((s) => s.trim() === 'En atención'), statuses.join());
    await clickAndWait(page, page.getByRole('link', { name: 'Quitar filtros' }));

    // The first ticket waiting: its review page, with the photo and signature large.
    const firstWaiting = page.locator('tbody tr', { has: page.locator('.status-enviado') }).first();
    const number = (await firstWaiting.locator('.cell-number a').innerText()).trim();
    await clickAndWait(page, firstWaiting.locator('.cell-number a'));
    await page.getByRole('heading', { name: `Trámite ${number}` }).waitFor();
    const photo = page.getByRole('img', { name: /^Foto de / }).first();
    const box = await photo.boundingBox();
    assert.ok(box && box.width >= 140 && box.height >= 190, `photo is large: ${JSON.stringify(box)}`);
    assert.ok(box.y + box.height <= 768, 'the photo is visible without scrolling');
    await audit(page, '21-revision-escritorio');
    await viewportShot(page, '21-revision-escritorio');

    // Take it; observing without a comment shows the error next to the field and above.
    await clickAndWait(page, page.getByRole('button', { name: 'Atender este trámite' }));
    await page.getByText('Ahora usted atiende este trámite.').waitFor();
    await clickAndWait(page, page.getByRole('button', { name: 'Observar y devolver' }));
    await page.getByRole('heading', { name: 'Revise estos datos antes de continuar' }).waitFor();
    await page.locator('#comentario-error').waitFor();
    assert.equal(await page.getByLabel('Observación para el solicitante').getAttribute('aria-invalid'), 'true');
    await audit(page, '22-revision-error-escritorio');
    await viewportShot(page, '22-revision-error-escritorio');

    // Approve: confirm the review and "sin lentes" first; each applicant gets the date and
    // time they go to RENIEC.
    await page.getByLabel(/Confirmo que revisé/).check();
    await page.getByLabel(/Sin lentes/).check();
    await clickAndWait(page, page.getByRole('button', { name: 'Aprobar', exact: true }));
    await page.getByText('Trámite aprobado').waitFor();
    await page.getByText(/Se enviará a RENIEC el (lunes|martes|miércoles|jueves|viernes) \d\d\/\d\d\/\d{4} a las \d\d:\d\d\./).first().waitFor();
    await audit(page, '23-aprobado-escritorio');
    await screenshot(page, '23-aprobado-escritorio');

    // The batch page: next cut-off, how many go in it, the closed batches.
    await clickAndWait(page, nav.getByRole('link', { name: 'Lote RENIEC' }));
    await page.getByRole('heading', { name: 'Lote RENIEC', level: 1 }).waitFor();
    await page.getByText('Próximo corte', { exact: true }).waitFor();
    await audit(page, '24-lote-escritorio');
    await screenshot(page, '24-lote-escritorio');
    await clickAndWait(page, page.getByRole('button', { name: 'Cerrar lote ahora' }));
    await page.getByRole('heading', { name: /^Lote del / }).waitFor();
    const notice = await page.getByRole('status').innerText();
    assert.match(notice, /Lote cerrado|ya estaba cerrado/);
    await audit(page, 'lote cerrado');

    // The demo's batch (the oldest listed): its package, and RENIEC's answer for who waits.
    await clickAndWait(page, page.getByRole('link', { name: '← Lote RENIEC' }));
    await clickAndWait(page, page.locator('tbody tr th a').last());
    const zip = page.getByRole('link', { name: /Descargar paquete \(\.zip\)/ });
    const res = await page.request.get(await zip.getAttribute('href'));
    assert.equal(res.status(), 200);
    assert.equal(res.headers()['content-type'], 'application/zip');
    assert.equal((await res.body()).subarray(0, 2).toString(), 'PK');
    await audit(page, '25-lote-detalle-escritorio');
    await screenshot(page, '25-lote-detalle-escritorio');
    // RENIEC's answer is entered on the batch page itself, which comes back after it.
    const resultForm = page.locator('.batch-result').first();
    await resultForm.getByLabel(/^Fecha del correo de DCDelivery/).fill(todayInLima());
    await audit(page, '26-resultado-reniec-escritorio');
    await viewportShot(page, '26-resultado-reniec-escritorio');
    await clickAndWait(page, resultForm.getByRole('button', { name: /^Aprobado por RENIEC/ }));
    await page.getByText(/Resultado de RENIEC registrado/).waitFor();
    await page.getByRole('heading', { name: /^Lote del / }).waitFor();
    await audit(page, 'resultado registrado');

    // Every certificate, with its state and the public-part upload.
    await clickAndWait(page, nav.getByRole('link', { name: 'Certificados', exact: true }));
    await page.getByRole('heading', { name: 'Certificados', level: 1 }).waitFor();
    const certificates = page.locator('table.cert-table');
    await certificates.getByText('Pendiente de descarga').first().waitFor();
    await audit(page, '27-certificados-escritorio');
    // Filtered by state through the search form (no JavaScript needed).
    await page.getByLabel('Estado').selectOption('pendiente_descarga');
    await clickAndWait(page, page.getByRole('button', { name: 'Buscar', exact: true }));
    await certificates.getByText('Pendiente de descarga').first().waitFor();
    assert.equal(await certificates.getByText('Instalado', { exact: true }).count(), 0);
    await screenshot(page, '27-certificados-escritorio');
  });
});

test('the queue and a review page work on a phone', async (t) => {
  await withPage(browser, t, PHONE, async (page) => {
    await logIn(page, DEMO.analyst);
    await page.goto('/analista/cola');
    await page.getByRole('heading', { name: 'Cola de atención' }).waitFor();
    await assertNoHorizontalScroll(page, 'cola');
    await audit(page, '28-cola-telefono');
    await screenshot(page, '28-cola-telefono');
    await clickAndWait(page, page.locator('.cell-number a').first());
    await assertNoHorizontalScroll(page, 'revisión');
    await page.getByRole('heading', { name: 'Acciones' }).waitFor();
    await audit(page, '29-revision-telefono');
    await screenshot(page, '29-revision-telefono');
  });
});

test('a requester gets the Spanish 403 page on the analysts\' pages', async (t) => {
  await withPage(browser, t, DESKTOP, async (page) => {
    await logIn(page, DEMO.requester);
    const nav = page.getByRole('navigation', { name: 'Navegación principal' });
    assert.equal(await nav.getByRole('link', { name: 'Cola', exact: true }).count(), 0);
    for (const path of ['/analista/cola', '/analista/lotes', '/analista/certificados']) {
      const response = await page.goto(path);
      assert.equal(response.status(), 403, path);
      await page.getByRole('heading', { name: 'Acceso denegado' }).waitFor();
      await audit(page, `403 ${path}`);
    }
  });
});
