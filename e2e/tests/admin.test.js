// The administration and follow-up pages with the demo data: the officer changes the fee,
// finds that change in the audit log (and puts the fee back: the other files share the demo
// server), and reads the reports; each page is audited
// (axe-core, no sideways scrolling) and saved as a screenshot at a phone and a desktop.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { DEMO, PHONE, auditedScreenshot, launchBrowser, logIn, withPage } from './helpers.js';

const DESKTOP = { viewport: { width: 1366, height: 768 } };

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

test('the officer changes a setting and finds it in the audit log', async (t) => {
  await withPage(browser, t, DESKTOP, async (page) => {
    await logIn(page, DEMO.admin);
    await page.getByRole('navigation').getByRole('link', { name: 'Administración' }).click();
    await page.getByRole('heading', { name: 'Administración', level: 1 }).waitFor();
    await auditedScreenshot(page, 'admin-hub-escritorio');

    await page.getByRole('link', { name: 'Configuración' }).click();
    const fee = page.getByLabel('Monto de la tasa (S/)');
    const before = await fee.inputValue();
    const changed = before === '8.50' ? '8.60' : '8.50';
    // A bad value is named in the summary and nothing changes.
    await fee.fill('ocho soles');
    await page.getByRole('button', { name: 'Guardar cambios' }).click();
    await page.locator('.error-summary').getByRole('link', { name: /Monto de la tasa/ }).waitFor();
    await auditedScreenshot(page, 'admin-configuracion-error-escritorio');
    await page.getByLabel('Monto de la tasa (S/)').fill(changed);
    await page.getByRole('button', { name: 'Guardar cambios' }).click();
    await page.getByText('Configuración guardada.').waitFor();
    assert.equal(await page.getByLabel('Monto de la tasa (S/)').inputValue(), changed);

    await page.goto('/admin/auditoria');
    await page.getByLabel('Acción').selectOption('settings.changed');
    await page.getByRole('button', { name: 'Buscar' }).click();
    const rows = page.locator('.audit-table tbody tr');
    const row = (await rows.first().innerText()).replace(/\s+/g, ' ');
    assert.match(row, /Configuración modificada/);
    assert.ok(row.includes(`fee: ${before} → ${changed}`), row);
    assert.match(row, /127\.0\.0\.1/);
    // A ticket's moves name the ticket by its number and the move in words.
    await page.goto('/admin/auditoria?accion=ticket');
    const move = (await rows.first().innerText()).replace(/\s+/g, ' ');
    assert.match(move, /Trámite: .* Estado: .* → .*Trámite CD-\d{4}-\d{6}/);
    await page.goto('/admin/auditoria');
    await auditedScreenshot(page, 'admin-auditoria-escritorio');

    // The other tests share this demo server and read the fee: put it back.
    await page.goto('/admin/configuracion');
    await page.getByLabel('Monto de la tasa (S/)').fill(before);
    await page.getByRole('button', { name: 'Guardar cambios' }).click();
    await page.getByText('Configuración guardada.').waitFor();
  });
});

for (const [size, options] of [
  ['telefono', PHONE],
  ['escritorio', DESKTOP],
]) {
  test(`the reports and the admin pages read well (${size})`, async (t) => {
    await withPage(browser, t, options, async (page) => {
      await logIn(page, DEMO.analyst);
      await page.getByRole('navigation').getByRole('link', { name: 'Reportes' }).click();
      await page.getByRole('heading', { name: 'Reportes', level: 1 }).waitFor();
      // Every chart is an inline SVG with a name, and every table can be downloaded.
      const charts = page.locator('svg[role="img"]');
      assert.ok((await charts.count()) >= 5);
      for (const chart of await charts.all()) {
        assert.ok((await chart.getAttribute('aria-labelledby')) || (await chart.getAttribute('aria-label')));
      }
      assert.ok((await page.getByRole('link', { name: /Descargar CSV/ }).count()) >= 5);
      await auditedScreenshot(page, `reportes-${size}`);
    });
    await withPage(browser, t, options, async (page) => {
      await logIn(page, DEMO.admin);
      for (const path of ['/admin/usuarios', '/admin/feriados', '/admin/configuracion']) {
        await page.goto(path);
        await auditedScreenshot(page, `${path.slice(1).replaceAll('/', '-')}-${size}`);
      }
    });
  });
}
