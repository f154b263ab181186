// The login page, signing in and out, CSRF refusal, and the phone layout.
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

test('the login page is in Spanish with lang es-PE', async (t) => {
  await withPage(browser, t, {}, async (page) => {
    const response = await page.goto('/login');
    assert.equal(response.status(), 200);
    assert.equal(await page.locator('html').getAttribute('lang'), 'es-PE');

    const form = page.locator('form[action="/login"]');
    assert.equal((await form.getAttribute('method'))?.toLowerCase(), 'post');
    assert.equal(await form.locator('input[name="email"]').count(), 1);
    assert.equal(await form.locator('input[name="password"]').count(), 1);
    assert.equal(await form.locator('input[type="hidden"][name="csrf_token"]').count(), 1);
    const token = await form.locator('input[name="csrf_token"]').inputValue();
    assert.ok(token.length >= 16, `csrf_token looks too short: ${JSON.stringify(token)}`);

    // Labels are tied to their inputs (getByLabel resolves only then).
    assert.equal(await page.getByLabel('Correo institucional').getAttribute('name'), 'email');
    assert.equal(
      await page.getByLabel('Contraseña', { exact: true }).getAttribute('name'),
      'password',
    );
    await page.getByRole('button', { name: 'Ingresar' }).waitFor();
    await page.getByText('Centro de Información y Sistemas').first().waitFor();
    await audit(page, 'login');
    await screenshot(page, 'login-desktop');
  });
});

test('a wrong password shows a Spanish error on the login page', async (t) => {
  await withPage(browser, t, {}, async (page) => {
    await logIn(page, { email: DEMO.requester.email, password: 'no-es-la-clave' });
    assert.equal(new URL(page.url()).pathname, '/login');
    const alert = page.getByRole('alert').filter({ hasText: 'Correo o contraseña incorrectos.' });
    await alert.waitFor();
    // The form is offered again, ready for another try.
    await page.getByRole('button', { name: 'Ingresar' }).waitFor();
    // No session was opened.
    assert.equal(await page.getByRole('button', { name: 'Cerrar sesión' }).count(), 0);
    await audit(page, 'login con error');
    await screenshot(page, 'login-wrong-password');
  });
});

for (const [vpName, vp] of [['escritorio', {}], ['telefono', PHONE]]) {
test(`the demo requester logs in through the form, sees their name, and logs out (${vpName})`, async (t) => {
  await withPage(browser, t, vp, async (page, context) => {
    await logIn(page, DEMO.requester);
    assert.equal(new URL(page.url()).pathname, '/');

    // The session cookie is HttpOnly, as the contract says.
    const cookies = await context.cookies();
    assert.ok(cookies.length > 0, 'no cookie was set at login');
    assert.ok(
      cookies.some((c) => c.httpOnly),
      `no HttpOnly session cookie: ${JSON.stringify(cookies.map((c) => c.name))}`,
    );

    // The name shown must be the account's own name, as the API reports it.
    const me = await page.request.get('/api/v1/me');
    assert.equal(me.status(), 200, 'GET /api/v1/me with the browser session');
    const user = await me.json();
    assert.equal(user.email, DEMO.requester.email);
    assert.ok(user.name, 'the user has a name');
    await page.locator('header').getByText(user.name).first().waitFor();

    const logout = page.locator('header').getByRole('button', { name: 'Cerrar sesión' });
    await logout.waitFor();
    await audit(page, `inicio del solicitante (${vpName})`);
    await screenshot(page, `home-requester-${vpName}`);

    await Promise.all([page.waitForNavigation(), logout.click()]);
    assert.equal(new URL(page.url()).pathname, '/login');

    // The session is really gone: the home page no longer shows it.
    await page.goto('/');
    await page.waitForLoadState();
    assert.equal(await page.getByRole('button', { name: 'Cerrar sesión' }).count(), 0);
    assert.equal(await page.getByText(user.name).count(), 0);
    await audit(page, `después de cerrar sesión (${vpName})`);
  });
});
}

test('a login form without its csrf_token is refused with 403', async (t) => {
  await withPage(browser, t, {}, async (page) => {
    await page.goto('/login');
    await page.getByLabel('Correo institucional').fill(DEMO.requester.email);
    await page.getByLabel('Contraseña', { exact: true }).fill(DEMO.requester.password);
    await page.evaluate(() => {
      for (const input of document.querySelectorAll('input[name="csrf_token"]')) input.remove();
    });
    assert.equal(await page.locator('input[name="csrf_token"]').count(), 0);

    const [response] = await Promise.all([
      page.waitForResponse(
        (r) => new URL(r.url()).pathname === '/login' && r.request().method() === 'POST',
      ),
      page.getByRole('button', { name: 'Ingresar' }).click(),
    ]);
    assert.equal(response.status(), 403);
    await page.waitForLoadState();
    assert.equal(await page.locator('html').getAttribute('lang'), 'es-PE');
    const text = await page.locator('body').innerText();
    assert.match(text, /formulario/i, `the page should speak of the form: ${text}`);
    assert.match(text, /expir|venci|caduc/i, `the page should say the form expired: ${text}`);
    await audit(page, 'formulario caducado');
    await screenshot(page, 'login-csrf-refused');

    // And no session was opened.
    await page.goto('/');
    await page.waitForLoadState();
    assert.equal(await page.getByRole('button', { name: 'Cerrar sesión' }).count(), 0);
  });
});

test('on a phone the login page has no horizontal scroll', async (t) => {
  await withPage(
    browser,
    t,
    { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true },
    async (page) => {
      await page.goto('/login');
      await page.getByRole('button', { name: 'Ingresar' }).waitFor();
      await audit(page, 'login (teléfono)');
      const { scrollWidth, innerWidth } = await page.evaluate(() => ({
        scrollWidth: document.documentElement.scrollWidth,
        innerWidth: window.innerWidth,
      }));
      assert.ok(
        scrollWidth <= innerWidth,
        `the page is ${scrollWidth}px wide in a ${innerWidth}px viewport`,
      );
      await screenshot(page, 'login-phone');
    },
  );
});
