// The requester's daily work of issue 11, on a desktop and on a phone (390×844, no sideways
// scrolling): correcting an observed applicant in place (the analyst observes it first,
// set up through the API) and renewing a certificate from "Mis certificados".
// Screenshots land in e2e/test-results/.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';

import { DEMO, baseUrl, launchBrowser, logIn, auditedScreenshot, withPage } from './helpers.js';

const FIXTURES =
  process.env.CERTDESK_E2E_FIXTURES ??
  fileURLToPath(new URL('../../crates/certdesk/tests/fixtures/images/', import.meta.url));
const fixture = (name) => `${FIXTURES.replace(/\/?$/, '/')}${name}`;

const VIEWPORTS = [
  { name: 'escritorio', options: { viewport: { width: 1280, height: 900 } } },
  {
    name: 'telefono',
    options: { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true },
  },
];

/** The demo certificates, installed and due, with no renewal open: one per viewport. */
const RENEWABLE = { escritorio: 'Ruiz Campos, Elena', telefono: 'Chávez Rojas, Pedro Pablo' };

async function assertNoHorizontalScroll(page, where) {
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  const inner = await page.evaluate(() => window.innerWidth);
  assert.ok(width <= inner, `${where}: ${width}px wide in ${inner}px`);
}

async function clickAndWait(page, locator) {
  await Promise.all([page.waitForNavigation(), locator.click()]);
}

// ---- API set-up (as a script would do it) ----

async function api(method, path, token, body) {
  const headers = { authorization: `Bearer ${token}` };
  let payload = body;
  if (body && !(body instanceof FormData)) {
    headers['content-type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  const res = await fetch(`${baseUrl()}${path}`, { method, headers, body: payload });
  const json = await res.json().catch(() => null);
  return { status: res.status, json };
}

async function tokenOf({ email, password }) {
  const res = await fetch(`${baseUrl()}/api/v1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  assert.equal(res.status, 200, `login of ${email}`);
  return (await res.json()).token;
}

function file(name, type) {
  return new Blob([readFileSync(fixture(name))], { type });
}

/** A fresh DNI per run and viewport, so runs never collide with each other or the demo. */
function freshDni(seed) {
  return String(70_000_000 + ((Date.now() + seed * 104_729) % 9_000_000));
}

/** An emisión a) with one applicant, sent, taken and observed by the analyst. */
async function observedTicket(seed) {
  const requester = await tokenOf(DEMO.requester);
  const analyst = await tokenOf(DEMO.analyst);
  const opened = await api('POST', '/api/v1/tickets', requester, { kind: 'emision', reason: 'a' });
  assert.equal(opened.status, 201);
  const id = opened.json.id;
  const form = new FormData();
  const fields = {
    paternal_surname: 'Quispe',
    maternal_surname: 'Huamán',
    given_names: 'Rosa Elena',
    dni: freshDni(seed),
    dni_issued_on: '2019-05-14',
    email: 'rquispe@regioncajamarca.gob.pe',
    position: 'Especialista administrativo',
    unit: 'Gerencia de Desarrollo Social',
    no_glasses_confirmed: 'true',
  };
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  form.append('photo', file('photo_ok.jpg', 'image/jpeg'), 'foto.jpg');
  form.append('signature', file('signature_ok.png', 'image/png'), 'firma.png');
  const added = await api('POST', `/api/v1/tickets/${id}/applicants`, requester, form);
  assert.equal(added.status, 201, JSON.stringify(added.json));
  assert.equal((await api('POST', `/api/v1/tickets/${id}/submit`, requester)).status, 200);
  // The demo queue has older tickets waiting: taking this one first needs a reason.
  const taken = await api('POST', `/api/v1/tickets/${id}/take`, analyst, {
    reason: 'Se atiende antes para revisar la corrección en el navegador.',
  });
  assert.equal(taken.status, 200, JSON.stringify(taken.json));
  const observed = await api('POST', `/api/v1/tickets/${id}/observe`, analyst, {
    comment: 'El cargo no es el actual y la foto tiene lentes. Corrija ambos.',
  });
  assert.equal(observed.status, 200);
  return { id, number: opened.json.number, applicant: added.json.id };
}

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

for (const [index, vp] of VIEWPORTS.entries()) {
  test(`an observed applicant is corrected in place and sent back (${vp.name})`, async (t) => {
    const ticket = await observedTicket(index + 1);
    const answer = 'Actualicé el cargo y cambié la foto por una sin lentes.';
    await withPage(browser, t, vp.options, async (page) => {
      await logIn(page, DEMO.requester);
      await page.goto(`/tramites/${ticket.id}`);
      await page.getByText('El cargo no es el actual').first().waitFor();
      await assertNoHorizontalScroll(page, 'trámite observado');
      await auditedScreenshot(page, `corregir-01-observado-${vp.name}`);
      await clickAndWait(page, page.getByRole('link', { name: 'Corregir y volver a enviar' }));

      // The applicants step: "Editar" on the applicant.
      await page.getByRole('heading', { name: 'Solicitantes', exact: true }).waitFor();
      await assertNoHorizontalScroll(page, 'solicitantes');
      await clickAndWait(page, page.getByRole('link', { name: /^Editar/ }));

      // The form is filled in; the current photo and signature are shown.
      await page.getByRole('heading', { name: /^Corregir a Quispe Huamán/ }).waitFor();
      assert.equal(await page.getByLabel('Nombres').inputValue(), 'Rosa Elena');
      assert.equal(await page.getByLabel('Cargo').inputValue(), 'Especialista administrativo');
      for (const alt of ['Foto actual', 'Firma actual']) {
        const img = page.getByRole('img', { name: new RegExp(`^${alt}`) });
        assert.ok(await img.evaluate((i) => i.complete && i.naturalWidth > 0), `${alt} did not load`);
      }
      await assertNoHorizontalScroll(page, 'formulario de corrección');
      await auditedScreenshot(page, `corregir-02-formulario-${vp.name}`);

      // Only the position and the photo change; the signature is not chosen again.
      await page.getByLabel('Cargo').fill('Jefa de la Unidad de Programas Sociales');
      await page.getByLabel('Cambiar la foto (opcional)').setInputFiles(fixture('photo_ok_large.png'));
      await page.locator('#photo-report li.check-ok').first().waitFor();
      // Without "sin lentes" ticked the page refuses, in Spanish, next to the box.
      await clickAndWait(page, page.getByRole('button', { name: 'Guardar cambios' }));
      const summary = page.getByRole('alert').filter({ hasText: 'Revise estos datos' });
      await summary.waitFor();
      assert.match(await summary.innerText(), /Sin lentes/);
      // The photo is not kept: no green check stays beside the empty field.
      assert.equal(await page.locator('#photo-report li.check-ok').count(), 0);
      assert.equal(await page.getByLabel('Cargo').inputValue(), 'Jefa de la Unidad de Programas Sociales');
      await assertNoHorizontalScroll(page, 'corrección con errores');
      await auditedScreenshot(page, `corregir-03-sin-lentes-${vp.name}`);

      await page.getByLabel('Cambiar la foto (opcional)').setInputFiles(fixture('photo_ok_large.png'));
      await page.getByLabel(/Sin lentes/).check();
      await clickAndWait(page, page.getByRole('button', { name: 'Guardar cambios' }));
      await page.getByText('Cambios guardados').waitFor();
      await auditedScreenshot(page, `corregir-04-guardado-${vp.name}`);
      await clickAndWait(page, page.getByRole('link', { name: 'Continuar: corregir y reenviar' }));

      // The last step says "Corregir y reenviar", not "Guardar como borrador".
      const send = page.getByRole('button', { name: 'Corregir y reenviar' });
      await send.waitFor();
      assert.equal(await page.getByText('Guardar como borrador').count(), 0);
      await page.getByLabel(/Respuesta a la observación/).fill(answer);
      await assertNoHorizontalScroll(page, 'corregir y reenviar');
      await auditedScreenshot(page, `corregir-05-reenviar-${vp.name}`);
      await clickAndWait(page, send);
      await page.getByText('Su solicitud fue enviada').waitFor();
      assert.equal((await page.locator('.title-with-badge .status').innerText()).trim(), 'Enviado');
      await page.getByText(answer).first().waitFor();
      await assertNoHorizontalScroll(page, 'trámite reenviado');
      await auditedScreenshot(page, `corregir-06-reenviado-${vp.name}`);
    });

    // The analyst reads the answer in the review page's history.
    await withPage(browser, t, vp.options, async (page) => {
      await logIn(page, DEMO.analyst);
      await page.goto(`/analista/tramites/${ticket.id}`);
      const history = page.locator('ol.history');
      await history.getByText(answer).waitFor();
      await history.getByText(/Se corrigió a Quispe Huamán, Rosa Elena: cargo, foto/).waitFor();
      await page.getByText('El solicitante confirmó: sin lentes').waitFor();
      await assertNoHorizontalScroll(page, 'revisión del analista');
      await auditedScreenshot(page, `corregir-07-analista-${vp.name}`);
    });
  });

  test(`a certificate is renewed from "Mis certificados" (${vp.name})`, async (t) => {
    const holder = RENEWABLE[vp.name];
    await withPage(browser, t, vp.options, async (page) => {
      await logIn(page, DEMO.requester);
      await page.goto('/certificados');
      const card = page.locator('li.certificate').filter({ has: page.getByRole('heading', { name: holder }) });
      await card.waitFor();
      await assertNoHorizontalScroll(page, 'mis certificados');
      await auditedScreenshot(page, `renovar-01-certificados-${vp.name}`);
      await clickAndWait(page, card.getByRole('link', { name: 'Solicitar renovación' }));

      // What will happen, and one button.
      await page.getByRole('heading', { name: 'Solicitar renovación' }).waitFor();
      await page.getByText('Renovación de certificado digital').first().waitFor();
      await assertNoHorizontalScroll(page, 'solicitar renovación');
      await auditedScreenshot(page, `renovar-02-que-pasa-${vp.name}`);
      await clickAndWait(page, page.getByRole('button', { name: 'Empezar la renovación' }));

      // The applicant form, filled in with the holder's data and the current expiry.
      await page.getByText('Trámite de renovación creado').waitFor();
      const [paternal] = holder.split(' ');
      assert.equal(await page.getByLabel('Apellido paterno').inputValue(), paternal);
      assert.match(await page.getByLabel('Número de DNI').inputValue(), /^\d{8}$/);
      assert.match(await page.getByLabel('Correo institucional').inputValue(), /@regioncajamarca\.gob\.pe$/);
      assert.match(await page.getByLabel(/caducidad de su certificado actual/).inputValue(), /^\d{4}-\d{2}-\d{2}$/);
      assert.notEqual(await page.getByLabel('Cargo').inputValue(), '');
      await assertNoHorizontalScroll(page, 'renovación: solicitante');
      await auditedScreenshot(page, `renovar-03-formulario-${vp.name}`);

      await page.getByLabel('Fecha de emisión del DNI').fill('2020-08-14');
      await page.getByLabel('Foto del solicitante').setInputFiles(fixture('photo_ok.jpg'));
      await page.getByLabel('Foto de la firma').setInputFiles(fixture('signature_ok.png'));
      await page.getByLabel(/Sin lentes/).check();
      await clickAndWait(page, page.getByRole('button', { name: 'Registrar solicitante' }));
      await page.getByText('Solicitante registrado').waitFor();
      await clickAndWait(page, page.getByRole('link', { name: 'Continuar: revisar y enviar' }));
      await clickAndWait(page, page.getByRole('button', { name: 'Enviar solicitud' }));
      await page.getByText('Su solicitud fue enviada').waitFor();
      await page.getByText('Renovación de certificado digital').first().waitFor();
      await assertNoHorizontalScroll(page, 'renovación enviada');
      await auditedScreenshot(page, `renovar-04-enviado-${vp.name}`);

      // The certificate now says it has a renewal under way.
      await page.goto('/certificados');
      await clickAndWait(
        page,
        page.locator('li.certificate').filter({ has: page.getByRole('heading', { name: holder }) })
          .getByRole('link', { name: 'Solicitar renovación' }),
      );
      await page.getByText('ya tiene una renovación en curso').waitFor();
      assert.equal(await page.getByRole('button', { name: 'Empezar la renovación' }).count(), 0);
      await assertNoHorizontalScroll(page, 'renovación en curso');
      await auditedScreenshot(page, `renovar-05-en-curso-${vp.name}`);
    });
  });
}
