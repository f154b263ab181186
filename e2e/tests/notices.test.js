// The bell and the notices page, and every kind of notice as people receive it (the admins'
// preview renders each mail; each is saved as a screenshot test-results/aviso-KIND.png).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { DEMO, PHONE, audit, launchBrowser, logIn, screenshot, withPage } from './helpers.js';

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

test('every kind of notice renders as a readable Spanish mail', async (t) => {
  await withPage(browser, t, {}, async (page) => {
    await logIn(page, DEMO.admin);
    await page.goto('/admin/avisos');
    await page.getByRole('heading', { name: 'Avisos que envía certdesk' }).waitFor();
    await audit(page, 'modelos de avisos');
    const links = page.getByRole('link', { name: 'Correo', exact: true });
    const hrefs = await links.evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    assert.ok(hrefs.length >= 17, `expected every kind, got ${hrefs.length}`);
    for (const href of hrefs) {
      const response = await page.goto(href);
      assert.equal(response.status(), 200, href);
      assert.equal(await page.locator('html').getAttribute('lang'), 'es-PE');
      // Subject as heading, greeting, the entity's signature.
      const heading = await page.locator('h1').innerText();
      assert.ok(heading.length > 10, `${href}: heading ${heading}`);
      await page.getByText('Estimado(a)').first().waitFor();
      await page.getByText('Mesa de Servicios —').first().waitFor();
      // Dates are dd/mm/aaaa; nothing is left as ISO.
      const body = await page.locator('body').innerText();
      assert.doesNotMatch(body, /\d{4}-\d{2}-\d{2}/, `${href} shows an ISO date`);
      const kind = href.split('/').pop();
      await audit(page, `aviso ${kind}`);
      await screenshot(page, `aviso-${kind}`);
      // And its text part.
      const text = await (await page.request.get(`${href}?formato=texto`)).text();
      assert.match(text, /^Estimado\(a\) /, `${href} text part`);
    }
  });
});

for (const [vpName, vp] of [['escritorio', {}], ['telefono', PHONE]]) {
test(`the bell counts unread notices and opening one marks it read (${vpName})`, async (t) => {
  await withPage(browser, t, vp, async (page) => {
    await logIn(page, DEMO.requester);
    const bell = page.getByRole('link', { name: /Avisos/ }).first();
    await bell.waitFor();
    const before = Number((await page.locator('.bell-count').innerText().catch(() => '0')) || 0);
    await bell.click();
    await page.getByRole('heading', { name: 'Avisos', exact: true }).waitFor();
    await audit(page, `avisos (${vpName})`);
    await screenshot(page, `avisos-lista-${vpName}`);
    if (before > 0) {
      await Promise.all([
        page.waitForNavigation(),
        page.getByRole('button', { name: 'Marcar todos como leídos' }).click(),
      ]);
      await page.getByText('Todos los avisos quedaron marcados como leídos.').waitFor();
      assert.equal(await page.locator('.bell-count').count(), 0);
    }
    // The preference is saved and shown again.
    const box = page.getByLabel(/Recibir también por correo/);
    await box.check();
    await Promise.all([
      page.waitForNavigation(),
      page.getByRole('button', { name: 'Guardar preferencia' }).click(),
    ]);
    await page.getByText('Su preferencia de correo quedó guardada.').waitFor();
    assert.equal(await page.getByLabel(/Recibir también por correo/).isChecked(), true);
    await page.getByLabel(/Recibir también por correo/).uncheck();
    await Promise.all([
      page.waitForNavigation(),
      page.getByRole('button', { name: 'Guardar preferencia' }).click(),
    ]);
    assert.equal(await page.getByLabel(/Recibir también por correo/).isChecked(), false);
    await audit(page, `avisos tras guardar (${vpName})`);
  });
});
}
