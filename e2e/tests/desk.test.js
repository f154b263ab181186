// The analyst's desk (issue 11) in a browser: a requester sends two tickets (through the
// API, as a quick set-up); the analyst takes the newer one out of turn, giving the reason the
// page asks for; approves it after ticking the confirmation and "Sin lentes"; observes the
// older one with a canned text; then the batch page, and every analyst page, fit a 390×844
// phone without sideways scrolling, each value of a table-turned-card keeping its label.
// Screenshots are numbered 60-… in e2e/test-results/.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';

import { DEMO, baseUrl, launchBrowser, logIn, audit, auditedScreenshot, withPage } from './helpers.js';

const DESKTOP = { viewport: { width: 1366, height: 768 } };
const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };

const FIXTURES = fileURLToPath(new URL('../../crates/certdesk/tests/fixtures/images/', import.meta.url));

async function clickAndWait(page, locator) {
  await Promise.all([page.waitForNavigation(), locator.click()]);
}

/** The page must fit a 390 px screen: no sideways scrolling. */
async function assertFitsPhone(page, where) {
  await audit(page, where);
  const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(scrollWidth <= 390, `${where}: ${scrollWidth}px wide in 390px`);
}

/** A DNI that no demo ticket uses. */
function freshDni() {
  return `7${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;
}

/** The requester files and submits an emisión a) for one applicant; returns its id and number. */
async function fileTicket(request, token, givenNames) {
  const auth = { Authorization: `Bearer ${token}` };
  let res = await request.post(`${baseUrl()}/api/v1/tickets`, {
    headers: auth,
    data: { kind: 'emision', reason: 'a' },
  });
  assert.equal(res.status(), 201, await res.text());
  const ticket = await res.json();
  res = await request.post(`${baseUrl()}/api/v1/tickets/${ticket.id}/applicants`, {
    headers: auth,
    multipart: {
      paternal_surname: 'Prueba',
      maternal_surname: 'Escritorio',
      given_names: givenNames,
      dni: freshDni(),
      dni_issued_on: '2019-05-14',
      email: 'prueba.escritorio@regioncajamarca.gob.pe',
      position: 'Asistente administrativo',
      unit: 'Oficina de Recursos Humanos',
      photo: { name: 'foto.jpg', mimeType: 'image/jpeg', buffer: readFileSync(`${FIXTURES}photo_ok.jpg`) },
      signature: { name: 'firma.png', mimeType: 'image/png', buffer: readFileSync(`${FIXTURES}signature_ok.png`) },
    },
  });
  assert.equal(res.status(), 201, await res.text());
  res = await request.post(`${baseUrl()}/api/v1/tickets/${ticket.id}/submit`, { headers: auth, data: {} });
  assert.equal(res.status(), 200, await res.text());
  return { id: ticket.id, number: ticket.number };
}

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

test('an analyst takes out of turn with a reason, approves with confirmation, observes with a canned text', async (t) => {
  await withPage(browser, t, DESKTOP, async (page) => {
    const session = await page.request.post(`${baseUrl()}/api/v1/session`, { data: DEMO.requester });
    assert.equal(session.status(), 200);
    const { token } = await session.json();
    const older = await fileTicket(page.request, token, 'Olga');
    const newer = await fileTicket(page.request, token, 'Nora');

    await logIn(page, DEMO.analyst);
    // The newer one: older tickets wait, so the page asks why it goes first.
    await page.goto(`/analista/tramites/${newer.id}`);
    await page.getByRole('heading', { name: `Trámite ${newer.number}` }).waitFor();
    await page.getByText('Por orden de llegada corresponde atender antes').waitFor();
    await clickAndWait(page, page.getByRole('button', { name: 'Atender fuera de turno' }));
    await page.locator('#motivo-atender-error').waitFor();
    assert.equal(await page.getByLabel('Motivo para atenderlo antes').getAttribute('aria-invalid'), 'true');
    const reason = 'El solicitante asume funciones de firma el lunes.';
    await page.getByLabel('Motivo para atenderlo antes').fill(reason);
    await auditedScreenshot(page, '60-atender-fuera-de-turno');
    await clickAndWait(page, page.getByRole('button', { name: 'Atender fuera de turno' }));
    await page.getByText('Ahora usted atiende este trámite.').waitFor();
    await page.locator('ol.history').getByText(reason).waitFor();

    // Approving asks for the confirmation and "Sin lentes": without them nothing happens.
    await clickAndWait(page, page.getByRole('button', { name: 'Aprobar', exact: true }));
    await page.getByRole('heading', { name: 'Revise estos datos antes de continuar' }).waitFor();
    await page.locator('#confirma-sin-lentes-error').waitFor();
    await page.getByLabel(/Confirmo que revisé/).check();
    await page.getByLabel(/Sin lentes/).check();
    await auditedScreenshot(page, '61-aprobar-con-confirmacion');
    await clickAndWait(page, page.getByRole('button', { name: 'Aprobar', exact: true }));
    await page.getByText('Trámite aprobado').waitFor();
    await page.locator('ol.history').getByText(/ningún solicitante lleva lentes/).waitFor();

    // The older one: observed with a canned text and a word of the analyst's own. (Tickets
    // of other tests may still wait before it; then it is out of turn too.)
    await page.goto(`/analista/tramites/${older.id}`);
    if ((await page.locator('#motivo-atender').count()) > 0) {
      await page.getByLabel('Motivo para atenderlo antes').fill('Prueba del escritorio del analista.');
      await clickAndWait(page, page.getByRole('button', { name: 'Atender fuera de turno' }));
    } else {
      await clickAndWait(page, page.getByRole('button', { name: 'Atender este trámite' }));
    }
    await page.getByRole('checkbox', { name: 'Foto con lentes' }).check();
    await page.getByLabel(/Otra observación para el solicitante/).fill('Use fondo blanco.');
    await auditedScreenshot(page, '62-observar-con-texto-frecuente');
    await clickAndWait(page, page.getByRole('button', { name: 'Observar y devolver' }));
    await page.getByText('Trámite observado').first().waitFor();
    const observation = await page.locator('ol.history .history-comment').last().innerText();
    assert.match(observation, /RENIEC no acepta fotos con lentes/);
    assert.match(observation, /Use fondo blanco\./);

    // A note for colleagues, on the same page.
    await page.getByLabel('Nueva nota interna').fill('Llamar al anexo 2041 si no corrige en dos días.');
    await clickAndWait(page, page.getByRole('button', { name: 'Guardar nota interna' }));
    await page.getByText('Nota interna guardada').waitFor();
  });
});

test('the batch page and every analyst page fit a 390 px phone with labelled values', async (t) => {
  await withPage(browser, t, PHONE, async (page) => {
    await logIn(page, DEMO.analyst);
    await page.goto('/analista/lotes');
    await page.getByRole('heading', { name: 'Lote RENIEC', level: 1 }).waitFor();
    await page.getByRole('heading', { name: /^Van en el próximo lote/ }).waitFor();
    await assertFitsPhone(page, 'lote RENIEC');
    // On a phone each cell of a card shows its column's name before the value.
    const labelled = await page.locator('table.desk-table tbody td, table.desk-table tbody th').evaluateAll((cells) =>
      cells.map((c) => [c.getAttribute('data-label'), getComputedStyle(c, '::before').content]),
    );
    assert.ok(labelled.length > 0, 'the batch page lists people');
    for (const [label, before] of labelled) {
      assert.ok(label, 'every cell has a data-label');
      assert.equal(before, `"${label}: "`, `the label is shown: ${label}`);
    }
    await auditedScreenshot(page, '63-lote-telefono');

    // A closed batch, with RENIEC's answers.
    const closed = page.locator('section[aria-labelledby=cerrados] tbody th a');
    if ((await closed.count()) > 0) {
      await clickAndWait(page, closed.last());
      await page.getByRole('heading', { name: /^Lote del / }).waitFor();
      await assertFitsPhone(page, 'lote cerrado');
      await auditedScreenshot(page, '64-lote-cerrado-telefono');
    }

    for (const [path, name] of [
      ['/analista/cola', 'cola'],
      ['/analista/certificados', 'certificados'],
    ]) {
      await page.goto(path);
      await assertFitsPhone(page, name);
    }
    await auditedScreenshot(page, '65-certificados-telefono');
    await page.goto('/analista/cola');
    await clickAndWait(page, page.locator('.cell-number a').first());
    await page.getByRole('heading', { name: 'Acciones' }).waitFor();
    await assertFitsPhone(page, 'revisión');
  });
});

test('an admin keeps the canned observation texts (390 px too)', async (t) => {
  await withPage(browser, t, PHONE, async (page) => {
    await logIn(page, DEMO.admin);
    await page.goto('/admin/observaciones');
    await page.getByRole('heading', { name: 'Observaciones frecuentes', level: 1 }).waitFor();
    for (const title of ['Foto con lentes', 'Firma con tinta negra', 'DNI caducado']) {
      await page.getByRole('heading', { name: title }).waitFor();
    }
    await assertFitsPhone(page, 'observaciones frecuentes');
    await auditedScreenshot(page, '66-observaciones-frecuentes-telefono');
  });
});
