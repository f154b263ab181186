// The requester's new-ticket wizard, driven as a person would on a phone and on a desktop:
// kind → reason → payment receipt → applicant (first with mistakes, then right) → send →
// the ticket page. Screenshots of every step land in e2e/test-results/.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';

import { DEMO, audit, launchBrowser, logIn, screenshot, withPage } from './helpers.js';

/** The image fixtures (good and bad photos and signatures), kept in the repository. */
const FIXTURES =
  process.env.CERTDESK_E2E_FIXTURES ??
  fileURLToPath(new URL('../../crates/certdesk/tests/fixtures/images/', import.meta.url));

const fixture = (name) => `${FIXTURES.replace(/\/?$/, '/')}${name}`;

/** A small PDF, as a scanned receipt would be. */
const RECEIPT_PDF = Buffer.from(
  '%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n' +
    '2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n',
);

const VIEWPORTS = [
  {
    name: 'telefono',
    options: { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true },
  },
  { name: 'escritorio', options: { viewport: { width: 1280, height: 900 } } },
];

/** A fresh 8-digit DNI and operation number per run, so runs never collide. */
function freshNumbers(seed) {
  const n = (Date.now() + seed * 7919) % 10_000_000;
  return {
    dni: String(40_000_000 + n).padStart(8, '0'),
    operation: `${seed}${String(n).padStart(7, '0')}`,
  };
}

/** The page must fit the viewport: no sideways scrolling on a phone. */
async function assertNoHorizontalScroll(page, where) {
  const { scrollWidth, innerWidth } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
  }));
  assert.ok(scrollWidth <= innerWidth, `${where}: ${scrollWidth}px wide in ${innerWidth}px`);
}

async function clickAndWait(page, locator) {
  await Promise.all([page.waitForNavigation(), locator.click()]);
}

let browser;
before(async () => {
  assert.ok(existsSync(fixture('photo_ok.jpg')), `fixtures not found in ${FIXTURES}`);
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

for (const [index, vp] of VIEWPORTS.entries()) {
  test(`the wizard takes a paid emission from start to sent (${vp.name})`, async (t) => {
    await withPage(browser, t, vp.options, async (page) => {
      const { dni, operation } = freshNumbers(index + 1);
      await logIn(page, DEMO.requester);

      // "Mis trámites" is in the menu, with a clear "Nuevo trámite" button.
      await clickAndWait(page, page.getByRole('navigation', { name: 'Navegación principal' }).getByRole('link', { name: 'Mis trámites' }));
      await page.getByRole('heading', { name: 'Mis trámites' }).waitFor();
      await audit(page, `01-mis-tramites-${vp.name}`);
      await screenshot(page, `01-mis-tramites-${vp.name}`);
      await clickAndWait(page, page.getByRole('link', { name: 'Nuevo trámite' }).first());

      // Step 1a: the kind.
      await page.getByText('Paso 1 de 4').waitFor();
      await assertNoHorizontalScroll(page, 'paso 1');
      await audit(page, `02-paso1-tipo-${vp.name}`);
      await screenshot(page, `02-paso1-tipo-${vp.name}`);
      await page.getByLabel(/^Emisión/).check();
      await clickAndWait(page, page.getByRole('button', { name: 'Continuar' }));

      // Step 1b: the reason; the paid one says so.
      await page.getByText('Requiere pago de S/ 8.10').first().waitFor();
      await audit(page, `03-paso1-motivo-${vp.name}`);
      await screenshot(page, `03-paso1-motivo-${vp.name}`);
      await page.getByLabel(/^c\) Necesidad de certificado digital/).check();
      await clickAndWait(page, page.getByRole('button', { name: 'Crear el trámite y continuar' }));

      // Step 2: the payment data to copy, and the receipt form.
      await page.getByText('Paso 2 de 4').waitFor();
      const body = await page.locator('main').innerText();
      for (const value of ['S/ 8.10', '00529', '20453744168']) {
        assert.ok(body.includes(value), `step 2 lacks ${value}`);
      }
      await assertNoHorizontalScroll(page, 'paso 2');
      await audit(page, `04-paso2-pago-${vp.name}`);
      await screenshot(page, `04-paso2-pago-${vp.name}`);
      await page.getByLabel('Número de operación').fill(operation);
      await page.getByLabel('Fecha de pago').fill('2026-11-02');
      await page.getByLabel('DNI de quien pagó').fill(dni);
      await page.getByLabel('¿Dónde pagó?').selectOption('ventanilla');
      await page.getByLabel('Archivo de la constancia').setInputFiles({
        name: 'constancia.pdf',
        mimeType: 'application/pdf',
        buffer: RECEIPT_PDF,
      });
      await clickAndWait(page, page.getByRole('button', { name: 'Registrar constancia' }));
      await page.getByText('Constancia registrada').waitFor();
      await audit(page, `05-paso2-registrada-${vp.name}`);
      await screenshot(page, `05-paso2-registrada-${vp.name}`);
      await clickAndWait(page, page.getByRole('link', { name: 'Continuar: registrar solicitantes' }));

      // Step 3: the applicant, first with a personal e-mail and a blurred photo.
      await page.getByText('Paso 3 de 4').waitFor();
      await assertNoHorizontalScroll(page, 'paso 3');
      await audit(page, `06-paso3-solicitantes-${vp.name}`);
      await screenshot(page, `06-paso3-solicitantes-${vp.name}`);
      await page.getByLabel('Apellido paterno').fill('Quispe');
      await page.getByLabel('Apellido materno', { exact: true }).fill('Huamán');
      await page.getByLabel('Nombres').fill('Rosa Elena');
      await page.getByLabel('Número de DNI').fill(dni);
      await page.getByLabel('Fecha de emisión del DNI').fill('2019-05-14');
      await page.getByLabel('Correo institucional').fill('rosa.quispe@gmail.com');
      await page.getByLabel('Cargo').fill('Especialista administrativo');
      await page.getByLabel('Órgano o unidad orgánica').fill('Gerencia de Desarrollo Social');
      await page.getByLabel('Foto del solicitante').setInputFiles(fixture('photo_blurred.jpg'));
      await page.getByLabel('Foto de la firma').setInputFiles(fixture('signature_ok.png'));
      // Right after choosing them, each file is checked and its ✓/✗ list shown.
      const photoReport = page.locator('#photo-report');
      await photoReport.locator('li.check-bad').first().waitFor();
      assert.match(await photoReport.innerText(), /borrosa/);
      await page.locator('#signature-report li.check-ok').first().waitFor();
      assert.equal(await page.locator('#signature-report li.check-bad').count(), 0);
      await audit(page, `06b-paso3-revision-inmediata-${vp.name}`);
      await screenshot(page, `06b-paso3-revision-inmediata-${vp.name}`);
      const [failed] = await Promise.all([
        page.waitForResponse((r) => r.request().method() === 'POST' && r.url().includes('/solicitantes')),
        page.getByRole('button', { name: 'Registrar solicitante' }).click(),
      ]);
      assert.equal(failed.status(), 422);
      await page.waitForLoadState();
      const summary = page.getByRole('alert').filter({ hasText: 'Revise estos datos' });
      await summary.waitFor();
      assert.match(await summary.innerText(), /Correo institucional/);
      assert.match(await summary.innerText(), /Foto/);
      // What was typed is kept; files must be chosen again, and the page says so.
      assert.equal(await page.getByLabel('Nombres').inputValue(), 'Rosa Elena');
      assert.equal(await page.getByLabel('Correo institucional').inputValue(), 'rosa.quispe@gmail.com');
      await page.getByText('Vuelva a elegir la foto').first().waitFor();
      await assertNoHorizontalScroll(page, 'paso 3 con errores');
      await audit(page, `07-paso3-errores-${vp.name}`);
      await screenshot(page, `07-paso3-errores-${vp.name}`);

      await page.getByLabel('Correo institucional').fill('rquispe@regioncajamarca.gob.pe');
      await page.getByLabel('Foto del solicitante').setInputFiles(fixture('photo_ok.jpg'));
      await page.getByLabel('Foto de la firma').setInputFiles(fixture('signature_ok.png'));
      await page.getByLabel(/Sin lentes/).check();
      await clickAndWait(page, page.getByRole('button', { name: 'Registrar solicitante' }));
      await page.getByText('Solicitante registrado').waitFor();
      await audit(page, `08-paso3-registrado-${vp.name}`);
      await screenshot(page, `08-paso3-registrado-${vp.name}`);
      await clickAndWait(page, page.getByRole('link', { name: 'Continuar: revisar y enviar' }));

      // Step 4: review and send.
      await page.getByText('Paso 4 de 4').waitFor();
      await assertNoHorizontalScroll(page, 'paso 4');
      await audit(page, `09-paso4-enviar-${vp.name}`);
      await screenshot(page, `09-paso4-enviar-${vp.name}`);
      await clickAndWait(page, page.getByRole('button', { name: 'Enviar solicitud' }));

      // The ticket page: sent, with the notice, the applicant and the history.
      await page.getByText('Su solicitud fue enviada').waitFor();
      const status = page.locator('.title-with-badge .status');
      assert.equal((await status.innerText()).trim(), 'Enviado');
      await page.getByText('Envió la solicitud').waitFor();
      const photo = page.locator('img[src$="/photo"]').first();
      await photo.waitFor();
      assert.ok(
        await photo.evaluate((img) => img.complete && img.naturalWidth > 0),
        'the applicant photo thumbnail did not load',
      );
      await assertNoHorizontalScroll(page, 'página del trámite');
      await audit(page, `10-tramite-enviado-${vp.name}`);
      await screenshot(page, `10-tramite-enviado-${vp.name}`);

      await clickAndWait(page, page.getByRole('navigation', { name: 'Navegación principal' }).getByRole('link', { name: 'Mis certificados' }));
      await page.getByRole('heading', { name: 'Mis certificados' }).waitFor();
      await assertNoHorizontalScroll(page, 'mis certificados');
      await audit(page, `11-mis-certificados-${vp.name}`);
      await screenshot(page, `11-mis-certificados-${vp.name}`);
    });
  });
}

test('the procedure page is public and shows the payment data and examples', async (t) => {
  await withPage(browser, t, VIEWPORTS[0].options, async (page) => {
    await page.goto('/login');
    await clickAndWait(page, page.getByRole('link', { name: 'Procedimiento' }).first());
    const text = await page.locator('main').innerText();
    for (const value of ['8.10', '00529', '20453744168', '16:30', '30 días calendario']) {
      assert.ok(text.includes(value), `the procedure lacks ${value}`);
    }
    const broken = await page.evaluate(() =>
      [...document.querySelectorAll('main img')].filter((i) => !(i.complete && i.naturalWidth > 0)).length,
    );
    assert.equal(broken, 0, 'an example image did not load');
    await assertNoHorizontalScroll(page, 'procedimiento');
    await audit(page, '12-procedimiento-telefono');
    await screenshot(page, '12-procedimiento-telefono');
  });
});

