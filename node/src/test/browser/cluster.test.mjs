// Browser test of the dashboard's cluster panel, run by DashboardBrowserTest against a clustered
// node (a cluster of one, with a placement = cluster app).
//
// Env: DASHBOARD_URL, APP (a cluster-placed app), INSTANCES (its slots), SCREENSHOT (a PNG path),
// CHROMIUM (default /usr/bin/chromium). Exits 0 when every step passed, 1 with a message otherwise.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const URL_ = process.env.DASHBOARD_URL;
const APP = process.env.APP || 'web';
const INSTANCES = Number(process.env.INSTANCES || 2);
const SHOT = process.env.SCREENSHOT || '';
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const WAIT = 60_000;
const t0 = Date.now();
const log = msg => console.log(`[cluster-test +${((Date.now() - t0) / 1000).toFixed(1)}s] ${msg}`);
const watchdog = setTimeout(() => { console.error('cluster test FAILED: the whole run took over 150 s'); process.exit(1); }, 150_000);

async function waitFor(page, what, fn, arg) {
  log('waiting: ' + what);
  try {
    return await (await page.waitForFunction(fn, arg, { timeout: WAIT, polling: 200 })).jsonValue();
  } catch (e) {
    const panel = await page.locator('[data-testid="cluster"]').innerText().catch(() => '?');
    throw new Error(`${what}: not within ${WAIT / 1000} s; the cluster panel shows: ${panel}`);
  }
}

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'drover-cluster-chromium-'));
let context, code = 1;
const pageErrors = [];
try {
  context = await chromium.launchPersistentContext(dataDir, {
    executablePath: CHROMIUM, headless: true, viewport: { width: 1280, height: 640 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = context.pages()[0] || await context.newPage();
  page.on('pageerror', e => pageErrors.push(String(e)));
  log(`loading ${URL_}`);
  const res = await page.goto(URL_, { timeout: WAIT });
  if (!res || !res.ok()) throw new Error(`GET ${URL_} answered ${res && res.status()}`);

  // the panel: this node as the one member, up, running every slot; the app all placed and ready
  const shown = await waitFor(page, `the cluster panel with ${INSTANCES} slots of ${APP} on this node`, ([app, n]) => {
    const panel = document.querySelector('[data-testid="cluster"]');
    const members = [...document.querySelectorAll('[data-testid="member"]')];
    const placed = document.querySelector(`[data-testid="placed-${app}"]`);
    const slots = members[0]?.querySelector('[data-testid="slots"]')?.textContent || '';
    const want = app + ': ' + [...Array(n).keys()].join(', ');
    return panel && !panel.hidden && members.length === 1 && members[0].textContent.includes('(this node)')
      && members[0].textContent.includes('up') && slots === want
      && placed && placed.children[1].textContent === String(n) && placed.children[2].textContent === String(n)
      && { member: members[0].textContent, placed: placed.textContent };
  }, [APP, INSTANCES]);
  log('cluster panel: ' + JSON.stringify(shown));
  // each slot's row names the member it runs on
  const rows = await waitFor(page, `the rows of ${APP} to name their member`, ([app, n]) => {
    const details = [...Array(n).keys()].map(i => document.querySelector(`[data-testid="detail-${app}-${i}"]`)?.textContent || '');
    return details.every(d => d.startsWith('on pekko://')) && details;
  }, [APP, INSTANCES]);
  log('rows: ' + JSON.stringify(rows));
  if (pageErrors.length) throw new Error('errors in the page: ' + pageErrors.join('; '));
  if (SHOT) {
    fs.mkdirSync(path.dirname(path.resolve(SHOT)), { recursive: true });
    await page.screenshot({ path: SHOT, fullPage: true });
    log('screenshot: ' + SHOT);
  }
  console.log('cluster test passed');
  code = 0;
} catch (e) {
  console.error('cluster test FAILED: ' + (e && e.message || e));
} finally {
  await context?.close().catch(() => {});
  fs.rmSync(dataDir, { recursive: true, force: true });
  clearTimeout(watchdog);
}
process.exit(code);
