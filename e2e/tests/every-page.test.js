// Every page of the menus, for each demo role, at a 390 px phone and at a desktop: no
// serious or critical axe-core violation and no sideways scrolling (audit()). The journeys
// in the other files cover the pages behind actions (forms, errors, review pages).
import { after, before, test } from 'node:test';

import { DEMO, PHONE, audit, launchBrowser, logIn, withPage } from './helpers.js';

const DESKTOP = { viewport: { width: 1366, height: 768 } };

const PUBLIC = ['/login', '/solicitar-acceso', '/olvide-clave', '/procedimiento'];
const REQUESTER = ['/', '/tramites', '/tramites/nuevo', '/certificados', '/avisos', '/perfil'];
const ANALYST = [
  '/',
  '/analista/cola',
  '/analista/buscar?q=cabrera',
  '/analista/lotes',
  '/analista/certificados',
  '/reportes',
  '/avisos',
];
const ADMIN = [
  '/',
  '/admin',
  '/admin/solicitudes',
  '/admin/auditoria',
  '/admin/usuarios',
  '/admin/correos',
  '/admin/avisos',
  '/admin/observaciones',
  '/admin/configuracion',
  '/admin/feriados',
  '/reportes',
  '/perfil',
];

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

for (const [size, options] of [
  ['telefono', PHONE],
  ['escritorio', DESKTOP],
]) {
  test(`every menu page passes the audit (${size})`, async (t) => {
    await withPage(browser, t, options, async (page) => {
      for (const path of PUBLIC) {
        await page.goto(path);
        await audit(page, `${path} (${size})`);
      }
    });
    for (const [who, paths] of [
      [DEMO.requester, REQUESTER],
      [DEMO.analyst, ANALYST],
      [DEMO.admin, ADMIN],
    ]) {
      await withPage(browser, t, options, async (page) => {
        await logIn(page, who);
        for (const path of paths) {
          await page.goto(path);
          await audit(page, `${who.email} ${path} (${size})`);
        }
      });
    }
  });
}
