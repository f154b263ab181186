// The public access-request form (/solicitar-acceso).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { PHONE, audit, launchBrowser, screenshot, withPage } from './helpers.js';

const VIEWPORTS = [
  ['escritorio', {}],
  ['telefono', PHONE],
];

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

const FIELDS = ['full_name', 'dni', 'position', 'unit', 'dependency', 'start_date', 'email'];

/** A DNI (8 digits) that differs from run to run, so reruns on one database don't collide. */
function freshDni() {
  return String(40_000_000 + Math.floor(Math.random() * 9_999_999)).padStart(8, '0');
}

/**
 * Fills the form field `name` with `value`: text, date and e-mail inputs are
 * typed into; a select takes the option with that value or label, else its
 * first real option.
 */
async function fillField(page, name, value) {
  const field = page.locator(`form [name="${name}"]`).first();
  const tag = await field.evaluate((el) => el.tagName);
  if (tag === 'SELECT') {
    const options = await field.locator('option').evaluateAll((os) =>
      os.map((o) => ({ value: o.value, label: o.textContent.trim() })),
    );
    const chosen =
      options.find((o) => o.value === value || o.label === value) ?? options.find((o) => o.value);
    assert.ok(chosen, `the select ${name} has no option to choose`);
    await field.selectOption(chosen.value);
  } else {
    await field.fill(value);
  }
}

async function fillForm(page, values) {
  for (const name of FIELDS) await fillField(page, name, values[name]);
}

function sampleValues(email) {
  return {
    full_name: 'Rosa Elvira Quispe Huamán',
    dni: freshDni(),
    position: 'Especialista en Presupuesto',
    unit: 'Oficina de Presupuesto',
    dependency: 'Sede Central',
    start_date: '2026-03-02',
    email,
  };
}

for (const [vpName, vp] of VIEWPORTS) {
test(`the access-request form labels every field in Spanish (${vpName})`, async (t) => {
  await withPage(browser, t, vp, async (page) => {
    const response = await page.goto('/solicitar-acceso');
    assert.equal(response.status(), 200);
    assert.equal(await page.locator('html').getAttribute('lang'), 'es-PE');
    for (const name of FIELDS) {
      const field = page.locator(`form [name="${name}"]`);
      assert.equal(await field.count(), 1, `field ${name} is on the form`);
      const labels = await field.evaluate((el) =>
        Array.from(el.labels ?? []).map((l) => l.textContent.trim()),
      );
      assert.ok(
        labels.some((l) => l.length > 0),
        `field ${name} has a <label> tied to it`,
      );
    }
    assert.equal(await page.locator('form input[type="hidden"][name="csrf_token"]').count(), 1);
    await page.getByRole('button', { name: 'Enviar solicitud' }).waitFor();
    await page.getByText('Centro de Información y Sistemas').first().waitFor();
    await audit(page, `solicitar acceso (${vpName})`);
  });
});

test(`a personal e-mail is refused next to the field and in the summary, keeping what was typed (${vpName})`, async (t) => {
  await withPage(browser, t, vp, async (page) => {
    await page.goto('/solicitar-acceso');
    const values = sampleValues('rosa.quispe@gmail.com');
    await fillForm(page, values);
    await Promise.all([
      page.waitForNavigation(),
      page.getByRole('button', { name: 'Enviar solicitud' }).click(),
    ]);

    assert.doesNotMatch(await page.locator('body').innerText(), /Solicitud registrada/);

    // The summary at the top.
    const summary = page.getByRole('alert').first();
    await summary.waitFor();
    const summaryText = (await summary.innerText()).trim();
    assert.ok(summaryText.length > 0, 'the error summary says something');

    // The message next to the e-mail field: what the field points to with
    // aria-describedby, or else what its own container says besides its label.
    const email = page.locator('form [name="email"]');
    const near = await email.evaluate((el) => {
      const ids = (el.getAttribute('aria-describedby') ?? '').split(/\s+/).filter(Boolean);
      const described = ids
        .map((id) => document.getElementById(id)?.textContent.trim() ?? '')
        .filter(Boolean)
        .join(' ');
      if (described) return { how: 'aria-describedby', text: described };
      const labelText = Array.from(el.labels ?? [])
        .map((l) => l.textContent.trim())
        .join(' ');
      const box = el.closest('.field, .form-field, fieldset, p, div') ?? el.parentElement;
      return { how: 'container', text: box.textContent.replace(labelText, '').trim() };
    });
    assert.ok(near.text.length > 0, 'an error message stands next to the e-mail field');
    // The message by the field is the one the summary lists (not just a hint).
    const sentences = near.text.split(/(?<=[.!?])\s+/).filter((s) => s.length >= 10);
    assert.ok(
      sentences.some((s) => summaryText.includes(s.trim())),
      `the summary (${summaryText}) repeats the field's message (${near.text}, via ${near.how})`,
    );
    assert.equal(
      await email.getAttribute('aria-invalid'),
      'true',
      'the e-mail field is marked invalid',
    );
    await audit(page, `solicitar acceso con errores (${vpName})`);
    await screenshot(page, `access-request-personal-email-${vpName}`);

    // What was typed is kept.
    assert.equal(await page.locator('form [name="full_name"]').inputValue(), values.full_name);
    assert.equal(await email.inputValue(), values.email);
    assert.equal(await page.locator('form [name="dni"]').inputValue(), values.dni);
  });
});

test(`a valid access request is registered (${vpName})`, async (t) => {
  await withPage(browser, t, vp, async (page) => {
    await page.goto('/solicitar-acceso');
    const local = `rquispe.e2e${vpName}${Date.now()}`;
    await fillForm(page, sampleValues(`${local}@regioncajamarca.gob.pe`));
    await Promise.all([
      page.waitForNavigation(),
      page.getByRole('button', { name: 'Enviar solicitud' }).click(),
    ]);
    await page.getByText('Solicitud registrada').first().waitFor();
    await audit(page, `solicitud registrada (${vpName})`);
    await screenshot(page, `access-request-registered-${vpName}`);
  });
});
}
