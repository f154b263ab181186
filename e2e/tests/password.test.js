// "¿Olvidó su contraseña?" end to end, as a person would on a phone and a desktop: the login
// page's link, the form, the mail's one-time link (read from the delivered mail, which
// .ci/e2e catches with e2e/mail-sink.js), choosing a new password, logging in with it, and "Mi cuenta". Every page is audited
// (axe-core, no sideways scrolling). A fresh account per run, so the demo logins that other
// tests use are never touched.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { DEMO, PHONE, audit, launchBrowser, screenshot, withPage } from './helpers.js';

const VIEWPORTS = [
  ['telefono', PHONE],
  ['escritorio', { viewport: { width: 1280, height: 900 } }],
];

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

async function clickAndWait(page, locator) {
  await Promise.all([page.waitForNavigation(), locator.click()]);
}

/** An admin's API token. */
async function adminToken(request) {
  const res = await request.post('/api/v1/session', {
    data: { email: DEMO.admin.email, password: DEMO.admin.password },
  });
  assert.equal(res.status(), 200, 'admin login through the API');
  return (await res.json()).token;
}

/** A new account (access request filed and approved), with no password chosen yet. */
async function freshAccount(request, token, tag) {
  const email = `clave.${tag}.${Date.now()}@regioncajamarca.gob.pe`;
  const dni = String(40_000_000 + Math.floor(Math.random() * 9_999_999)).padStart(8, '0');
  const filed = await request.post('/api/v1/access-requests', {
    data: {
      full_name: 'Julia Inés Rojas Cárdenas',
      dni,
      position: 'Asistente administrativa',
      unit: 'Oficina de Logística',
      dependency: 'Sede Central',
      start_date: '2025-03-03',
      email,
    },
  });
  assert.equal(filed.status(), 201, `access request: ${await filed.text()}`);
  const { id } = await filed.json();
  const approved = await request.post(`/api/v1/access-requests/${id}/approve`, {
    headers: { authorization: `Bearer ${token}` },
    data: {},
  });
  assert.equal(approved.status(), 200, `approval: ${await approved.text()}`);
  return email;
}

/** A mail's text as a mailbox shows it: quoted-printable and base64 parts decoded. */
function decodedParts(raw) {
  const parts = [raw.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, hex) => String.fromCharCode(parseInt(hex, 16)))];
  const base64 = /Content-Transfer-Encoding: base64\r?\n(?:[^\r\n]+\r?\n)*\r?\n([A-Za-z0-9+/=\r\n]+)/g;
  for (const m of raw.matchAll(base64)) parts.push(Buffer.from(m[1].replace(/\s/g, ''), 'base64').toString('utf8'));
  return parts;
}

/**
 * The path of the newest set-password link mailed to `email`. Links exist only in delivered
 * mail (the outbox keeps a placeholder, which the admins' API shows): .ci/e2e runs certdesk
 * with a small SMTP server of ours that writes each mail to CERTDESK_E2E_MAIL_DIR. The
 * outbox worker runs every few seconds, so this waits up to 30 s.
 */
async function resetLink(request, token, email) {
  const res = await request.get('/api/v1/outbox?limit=200', {
    headers: { authorization: `Bearer ${token}` },
  });
  assert.equal(res.status(), 200);
  const stored = (await res.json()).items.find((m) => m.kind === 'password_reset' && m.to === email);
  assert.ok(stored, `no password-reset mail to ${email} in the outbox`);
  assert.doesNotMatch(stored.body_text, /\/establecer-clave\/[A-Za-z0-9_-]{20,}/, 'the outbox shows no secret');
  const dir = process.env.CERTDESK_E2E_MAIL_DIR;
  assert.ok(dir, 'CERTDESK_E2E_MAIL_DIR is not set: run the browser tests through .ci/e2e');
  for (let waited = 0; waited < 30_000; waited += 250) {
    const names = readdirSync(dir).sort().reverse();
    for (const name of names) {
      const raw = readFileSync(join(dir, name), 'utf8');
      if (!raw.includes(stored.message_id)) continue;
      for (const text of decodedParts(raw)) {
        const match = text.match(/\/establecer-clave\/[A-Za-z0-9_-]{20,}/);
        if (match) return match[0];
      }
      assert.fail(`the mail to ${email} has no link`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  assert.fail(`no mail to ${email} was delivered within 30 s`);
}

for (const [vpName, vp] of VIEWPORTS) {
  test(`a forgotten password is recovered with the mailed link (${vpName})`, async (t) => {
    await withPage(browser, t, vp, async (page) => {
      const token = await adminToken(page.request);
      const email = await freshAccount(page.request, token, vpName);

      // The login page leads to the form.
      await page.goto('/login');
      await clickAndWait(page, page.getByRole('link', { name: '¿Olvidó su contraseña?' }));
      await page.getByRole('heading', { name: 'Recuperar contraseña' }).waitFor();
      await audit(page, `recuperar contraseña (${vpName})`);
      await screenshot(page, `40-olvide-clave-${vpName}`);

      // A mistyped address is refused on its field, with the summary above.
      await page.getByLabel('Correo institucional').fill('julia arroba region');
      await clickAndWait(page, page.getByRole('button', { name: 'Enviarme el enlace' }));
      await page.getByRole('alert').filter({ hasText: 'Revise estos datos' }).waitFor();
      assert.equal(await page.getByLabel('Correo institucional').getAttribute('aria-invalid'), 'true');
      await audit(page, `recuperar contraseña con error (${vpName})`);

      // An address without an account gets the very same answer as one with it.
      await page.getByLabel('Correo institucional').fill(`nadie.${Date.now()}@regioncajamarca.gob.pe`);
      await clickAndWait(page, page.getByRole('button', { name: 'Enviarme el enlace' }));
      await page.getByRole('heading', { name: 'Revise su correo' }).waitFor();
      const unknownAnswer = await page.locator('main').innerText();
      await page.goto('/olvide-clave');
      await page.getByLabel('Correo institucional').fill(email);
      await clickAndWait(page, page.getByRole('button', { name: 'Enviarme el enlace' }));
      await page.getByRole('heading', { name: 'Revise su correo' }).waitFor();
      assert.equal(await page.locator('main').innerText(), unknownAnswer);
      await audit(page, `revise su correo (${vpName})`);
      await screenshot(page, `41-revise-su-correo-${vpName}`);

      // The mailed link: choose a password.
      const link = await resetLink(page.request, token, email);
      await page.goto(link);
      await page.getByRole('heading', { name: 'Elegir contraseña' }).waitFor();
      await audit(page, `elegir contraseña (${vpName})`);
      const password = `una frase nueva ${vpName} 2026`;
      await page.getByLabel('Nueva contraseña', { exact: true }).fill(password);
      await page.getByLabel('Repita la contraseña').fill(password);
      await clickAndWait(page, page.getByRole('button', { name: 'Guardar contraseña' }));
      await page.getByText('Su contraseña quedó guardada. Ya puede ingresar.').waitFor();
      await audit(page, `contraseña guardada (${vpName})`);

      // The link is spent: its page offers a new one without showing the address.
      const spent = await page.goto(link);
      assert.equal(spent.status(), 410);
      await page.getByRole('button', { name: 'Enviarme un enlace nuevo' }).waitFor();
      assert.doesNotMatch(await page.locator('main').innerText(), new RegExp(email.replace(/\./g, '\\.')));
      await audit(page, `enlace usado (${vpName})`);
      await screenshot(page, `42-enlace-usado-${vpName}`);

      // Log in with the new password, then "Mi cuenta" from the name in the header.
      await page.goto('/login');
      await page.getByLabel('Correo institucional').fill(email);
      await page.getByLabel('Contraseña', { exact: true }).fill(password);
      await clickAndWait(page, page.getByRole('button', { name: 'Ingresar' }));
      assert.equal(new URL(page.url()).pathname, '/');
      await clickAndWait(page, page.locator('header').getByRole('link', { name: 'Julia Inés Rojas Cárdenas' }));
      await page.getByRole('heading', { name: 'Mi cuenta', level: 1 }).waitFor();
      await page.locator('.session-item.current').getByText('Esta sesión').waitFor();
      await audit(page, `mi cuenta (${vpName})`);
      await screenshot(page, `43-mi-cuenta-${vpName}`);

      // A wrong current password is refused next to its field.
      await page.getByLabel('Contraseña actual').fill('no es mi clave');
      await page.getByLabel('Nueva contraseña', { exact: true }).fill('otra frase cualquiera 1');
      await page.getByLabel('Repita la nueva contraseña').fill('otra frase cualquiera 1');
      await clickAndWait(page, page.getByRole('button', { name: 'Cambiar contraseña' }));
      await page.locator('#current_password-error').getByText('La contraseña actual no es correcta.').waitFor();
      await audit(page, `mi cuenta con error (${vpName})`);
    });
  });
}
