// Browser test of the management dashboard (GET /), run by DashboardBrowserTest against a real node.
//
//   node dashboard.test.mjs URL PID        (or DASHBOARD_URL=... WORKER_PID=... node dashboard.test.mjs)
//
// Env: DASHBOARD_URL, TOKEN (the API's bearer token, typed into the page's form, if it wants one),
// WORKER_PID (a pid of one of the app's ready workers), APP (default web),
// INSTANCES (default 2), SCREENSHOT (a PNG path, for humans), FRONT_URL (optional: the node's HTTP
// front; then requests are sent through it and the page must show a non-zero req/s),
// NEXT_CONFIG (optional: a config, HOCON, that changes the app with `update { canary = 1,
// auto-promote = off }`; then it is applied and the deployment's canary promoted from the page),
// CHROMIUM (default /usr/bin/chromium). Exits 0 when every step passed, 1 with a message otherwise.
// Steps: workers ready; no cluster panel (one node); a
// worker's log tail; kill -9 of a worker (row and events list follow); a rolling restart clicked;
// the log tail followed across both; CPU/RSS sparklines and, with FRONT_URL, the requests/s and
// latency charts drawn from the node's history; a reload shows the history and the kill event at
// once (GET /apps/{app}/history, /events/recent); with NEXT_CONFIG, the deployment it starts
// shown with its canary waiting, promoted by a click and shown as succeeded; a full-page screenshot.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const URL_ = process.env.DASHBOARD_URL || process.argv[2];
const PID = Number(process.env.WORKER_PID || process.argv[3]);
const APP = process.env.APP || 'web';
const INSTANCES = Number(process.env.INSTANCES || 2);
const SHOT = process.env.SCREENSHOT || '';
const FRONT = process.env.FRONT_URL || '';
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const TOKEN = process.env.TOKEN || '';
const NEXT_CONFIG = process.env.NEXT_CONFIG || '';
const WAIT = 30_000;

const t0 = Date.now();
const log = msg => console.log(`[dashboard-test +${((Date.now() - t0) / 1000).toFixed(1)}s] ${msg}`);
class Failure extends Error {}
const fail = msg => { throw new Failure(msg); };

if (!URL_ || !Number.isInteger(PID) || PID <= 0) {
  console.error('usage: node dashboard.test.mjs DASHBOARD_URL WORKER_PID (or env DASHBOARD_URL, WORKER_PID)');
  process.exit(2);
}
if (!fs.existsSync(CHROMIUM)) {
  console.error(`dashboard test FAILED: no Chromium at ${CHROMIUM} (apt-get install -y chromium)`);
  process.exit(1);
}
// A hard bound on the whole run, whatever hangs.
const watchdog = setTimeout(() => { console.error('dashboard test FAILED: the whole run took over 240 s'); process.exit(1); }, 240_000);

// Records every state (and pid) that each worker's badge shows, so a transition that lasts a
// few milliseconds is still seen by the test.
function recordStates() {
  window.__states = [];
  const last = {};
  const scan = () => {
    for (const el of document.querySelectorAll('[data-testid^="state-"]')) {
      const id = el.dataset.testid.slice('state-'.length);
      const pid = document.querySelector(`[data-testid="pid-${id}"]`)?.textContent || '';
      const key = el.dataset.state + ' ' + pid;
      if (last[id] !== key) { last[id] = key; window.__states.push({ id, state: el.dataset.state, pid, t: Date.now() }); }
    }
  };
  new MutationObserver(scan).observe(document, { subtree: true, childList: true, characterData: true, attributes: true });
}

/** { instance: {state, pid} } of the app's rows as the page shows them now. */
function rowsOf(app) {
  const out = {};
  for (const tr of document.querySelectorAll(`tr[data-testid^="worker-${app}-"]`)) {
    const id = tr.dataset.testid.slice('worker-'.length);
    const i = id.slice(app.length + 1);
    out[i] = {
      state: document.querySelector(`[data-testid="state-${id}"]`)?.dataset.state,
      pid: Number(document.querySelector(`[data-testid="pid-${id}"]`)?.textContent) || 0,
    };
  }
  return out;
}

async function waitFor(page, what, fn, arg, timeout = WAIT) {
  log('waiting: ' + what);
  try {
    return await (await page.waitForFunction(fn, arg, { timeout, polling: 100 })).jsonValue();
  } catch (e) {
    const rows = await page.evaluate(rowsOf, APP).catch(() => '?');
    const banner = await page.locator('[data-testid="banner"]').textContent().catch(() => '');
    fail(`${what}: not within ${timeout / 1000} s; the page shows ${JSON.stringify(rows)}` + (banner ? `; banner: ${banner}` : ''));
  }
}

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'drover-dashboard-chromium-'));
let context, traffic, code = 1;
const pageErrors = [];
try {
  context = await chromium.launchPersistentContext(dataDir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 640 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = context.pages()[0] || await context.newPage();
  page.on('pageerror', e => pageErrors.push(String(e)));
  page.on('console', m => { if (m.type() === 'error') log('page console: ' + m.text()); });
  await page.addInitScript(recordStates);
  await page.addInitScript(`window.rowsOf = ${rowsOf.toString()};`);
  log(`loading ${URL_}`);
  const res = await page.goto(URL_, { timeout: WAIT });
  if (!res || !res.ok()) fail(`GET ${URL_} answered ${res && res.status()}`);

  if (TOKEN) {   // the node wants a token: the page asks for it, then every call and stream carries it
    await page.waitForSelector('[data-testid="token-form"]:not([hidden])', { timeout: WAIT });
    log('the page asks for the token');
    await page.fill('[data-testid="token-input"]', TOKEN);
    await page.click('[data-testid="token-save"]');
  }

  if (FRONT) {   // some traffic for the req/s figure: bounded (at most ~2 min at 20 req/s)
    let n = 0;
    traffic = setInterval(() => { if (++n < 2400) fetch(FRONT).then(r => r.arrayBuffer()).catch(() => {}); }, 50);
  }

  // 1. the app's workers, all ready
  const first = await waitFor(page, `${INSTANCES} workers of ${APP} ready`, ([app, n]) => {
    const rows = rowsOf(app);
    const vals = Object.values(rows);
    return vals.length === n && vals.every(r => r.state === 'ready' && r.pid > 0) && rows;
  }, [APP, INSTANCES]);
  log('ready: ' + JSON.stringify(first));
  const victim = Object.keys(first).find(i => first[i].pid === PID);
  if (victim === undefined) fail(`no row of ${APP} shows pid ${PID}: ${JSON.stringify(first)}`);
  const id = `${APP}-${victim}`;

  // 1b. a single node: no cluster panel
  if (await page.locator('[data-testid="cluster"]').isVisible()) fail('the cluster panel shows on a node that runs alone');
  // 1c. the log tail of the victim: its start line, then followed (checked after the restart)
  await page.click(`[data-testid="logs-${id}"]`, { timeout: WAIT });
  await waitFor(page, `${id}'s log tail`, id =>
    (document.querySelector(`[data-testid="log-${id}"]`)?.textContent || '').includes(`${id} listening on`), id);

  // 2. kill -9 a worker: its row leaves ready, then is ready again with a new pid
  const mark = await page.evaluate(() => window.__states.length);
  log(`kill -9 ${PID} (${id})`);
  process.kill(PID, 'SIGKILL');
  const away = await waitFor(page, `${id} to leave ready after kill -9`, ([id, mark]) =>
    window.__states.slice(mark).find(s => s.id === id && s.state !== 'ready') || false, [id, mark]);
  log(`${id} showed ${away.state}`);
  const back = await waitFor(page, `${id} ready again with a new pid`, ([app, i, pid]) => {
    const r = rowsOf(app)[i];
    return r && r.state === 'ready' && r.pid > 0 && r.pid !== pid && r;
  }, [APP, victim, PID]);
  const seen = await page.evaluate(([id, mark]) => window.__states.slice(mark).filter(s => s.id === id).map(s => s.state), [id, mark]);
  log(`${id} went ${seen.join(' → ')} (pid ${PID} → ${back.pid})`);
  const killed = await waitFor(page, `the kill of ${id} in the events list`, id =>
    [...document.querySelectorAll('[data-testid="event"]')].map(li => li.textContent)
      .find(t => t.includes(id) && /failed|backoff/.test(t)) || false, id);
  log('event: ' + killed);

  // 3. rolling restart from the button: every worker replaced (new pids), all ready
  const before = await page.evaluate(rowsOf, APP);
  await waitFor(page, 'every worker ready before the restart', app => Object.values(rowsOf(app)).every(r => r.state === 'ready'), APP);
  log('click restart-' + APP + ' with ' + JSON.stringify(before));
  await page.click(`[data-testid="restart-${APP}"]`, { timeout: WAIT });
  const after = await waitFor(page, `every worker of ${APP} replaced (new pids) and ready`, ([app, before, n]) => {
    const rows = rowsOf(app);
    const keys = Object.keys(rows);
    return keys.length === n && keys.every(i => rows[i].state === 'ready' && rows[i].pid > 0 && rows[i].pid !== (before[i] || {}).pid) && rows;
  }, [APP, before, INSTANCES]);
  log('after the restart: ' + JSON.stringify(after));
  const msg = await waitFor(page, 'the restart call to answer', app => {
    const b = document.querySelector(`[data-testid="restart-${app}"]`);
    const m = document.querySelector(`[data-testid="msg-${app}"]`);
    return !b.disabled && m.textContent && !m.textContent.endsWith('…') && { text: m.textContent, err: m.classList.contains('err') };
  }, APP, 60_000);
  if (msg.err) fail('the restart answered an error: ' + msg.text);
  log('restart answered: ' + msg.text);
  // the rows stay ready after the call (no stale state comes back from GET /apps)
  await page.waitForTimeout(2500);
  const settled = await page.evaluate(rowsOf, APP);
  for (const i of Object.keys(after)) {
    if (settled[i]?.state !== 'ready' || settled[i]?.pid !== after[i].pid) {
      fail(`${APP}-${i} changed after the restart settled: ${JSON.stringify(after[i])} → ${JSON.stringify(settled[i])}`);
    }
  }

  // the log tail followed the victim across its kill and the restart: a start line of each process
  const starts = await waitFor(page, `${id}'s log tail to show its later starts`, id => {
    const n = (document.querySelector(`[data-testid="log-${id}"]`)?.textContent || '').split(`${id} listening on`).length - 1;
    return n >= 3 && n;
  }, id);
  log(`${id}'s log tail shows ${starts} starts`);

  // charts and sparklines, drawn from the node's history (GET /apps/{app}/history)
  const spark = await waitFor(page, `CPU and RSS sparklines of ${id}`, id => {
    const cpu = document.querySelector(`[data-testid="cpu-spark-${id}"] path`);
    const rss = document.querySelector(`[data-testid="rss-spark-${id}"] path`);
    const text = document.querySelector(`[data-testid="cpu-${id}"]`)?.textContent || '';
    return cpu && rss && Number(cpu.dataset.points) >= 2 && Number(rss.dataset.max) > 1e6 && /^\d+\.\d %$/.test(text)
      && { cpuPoints: cpu.dataset.points, cpuLast: cpu.dataset.last, rssMax: rss.dataset.max, text };
  }, id);
  log('sparklines: ' + JSON.stringify(spark));

  if (FRONT) {
    const chart = await waitFor(page, `the requests/s chart of ${APP} to show the traffic`, app => {
      const rps = document.querySelector(`[data-testid="chart-${app}-rps"] path[data-series="rps"]`);
      const p50 = document.querySelector(`[data-testid="chart-${app}-latency"] path[data-series="p50"]`);
      return rps && p50 && Number(rps.dataset.points) >= 2 && Number(rps.dataset.max) >= 2 && Number(p50.dataset.points) >= 1
        && /^M[\d.]+ [\d.]+(L[\d.]+ [\d.]+)+/.test(rps.getAttribute('d'))
        && { points: rps.dataset.points, max: rps.dataset.max, p50: p50.dataset.last, d: rps.getAttribute('d').slice(0, 60) };
    }, APP);
    log('requests/s chart: ' + JSON.stringify(chart));
    // the same figures as the node's history: the chart draws what the API keeps
    const api = await page.evaluate(async app => {
      const token = localStorage.getItem('drover.token');
      const r = await fetch('/apps/' + app + '/history', { headers: token ? { Authorization: 'Bearer ' + token } : {} });
      const h = await r.json();
      return { max: Math.max(...h.requestsPerSecond.filter(v => v != null)), points: h.t.length };
    }, APP);
    if (!(api.max >= Number(chart.max))) fail(`the chart's max ${chart.max} req/s is not in the node's history (max ${api.max})`);
    log('history: ' + JSON.stringify(api));
    const stats = await waitFor(page, 'a non-zero req/s for ' + APP, app => {
      const t = document.querySelector(`[data-testid="stats-${app}"]`)?.textContent || '';
      return /(^|\s)(?!0\.0 )\d+\.\d req\/s/.test(t) && t;
    }, APP);
    log('stats: ' + stats);
  }

  // 4. a page opened now shows the last minutes at once: the node's history and recent events
  log('reloading the page');
  const kept = await page.evaluate(async app => {
    const token = localStorage.getItem('drover.token');
    const r = await fetch('/apps/' + app + '/history', { headers: token ? { Authorization: 'Bearer ' + token } : {} });
    return (await r.json()).t.length;
  }, APP);
  await page.reload({ timeout: WAIT });
  // polling alone adds a point per 2 s: within 3 s, as many points as the node kept comes from it
  const reloaded = await waitFor(page, `the history (${kept} points) and the kill event at once after a reload`, ([app, id, kept]) => {
    const chart = document.querySelector(`[data-testid="chart-${app}-rps"]`);
    const rps = chart?.querySelector('path[data-series="rps"]');
    const items = [...document.querySelectorAll('[data-testid="event"]')].map(li => li.textContent);
    const marks = Number(document.querySelector('[data-testid="timeline"]')?.dataset.marks || 0);
    return rps && Number(chart.dataset.points) >= Math.max(kept, 3) && Number(rps.dataset.max) > 0 && marks > 0 && items.some(t => t.includes(id) && /failed|backoff/.test(t))
      && { points: chart.dataset.points, max: rps.dataset.max, marks, events: items.length };
  }, [APP, id, kept], 3000);
  log('after the reload: ' + JSON.stringify(reloaded));
  // 5. a deployment with a canary that waits for promotion: shown, promoted by a click, succeeded
  if (NEXT_CONFIG) {
    const applied = await page.evaluate(async text => {
      const token = localStorage.getItem('drover.token');
      const r = await fetch('/config', { method: 'POST', body: text,
        headers: { 'Content-Type': 'text/plain; charset=UTF-8', ...(token ? { Authorization: 'Bearer ' + token } : {}) } });
      return { status: r.status, body: await r.text() };
    }, NEXT_CONFIG);
    if (applied.status !== 200) fail(`POST /config answered ${applied.status}: ${applied.body}`);
    log('applied: ' + applied.body);
    const waiting = await waitFor(page, `${APP}'s deployment with its canary waiting`, app => {
      const state = document.querySelector(`[data-testid="deploy-state-${app}"]`);
      const slots = [...document.querySelectorAll(`[data-testid^="slot-${app}-"]`)].map(e => e.dataset.phase);
      const promote = document.querySelector(`[data-testid="promote-${app}"]`);
      const info = document.querySelector(`[data-testid="deploy-info-${app}"]`)?.textContent || '';
      return state && state.dataset.state === 'canary-waiting' && !state.hidden && slots.includes('healthy') && slots.includes('pending')
        && promote && !promote.disabled && !promote.hidden && document.querySelector(`[data-testid="deploy-${app}"]`).checkVisibility()
        && { info, slots };
    }, APP);
    log('canary waiting: ' + JSON.stringify(waiting));
    const id = waiting.info.split(' · ')[0];
    await page.click(`[data-testid="promote-${APP}"]`, { timeout: WAIT });
    const promoted = await waitFor(page, 'the promote call to answer', app => {
      const b = document.querySelector(`[data-testid="promote-${app}"]`);
      const m = document.querySelector(`[data-testid="msg-${app}"]`);
      return !b.textContent.endsWith('…') && m.textContent && !m.textContent.endsWith('…') && { text: m.textContent, err: m.classList.contains('err') };
    }, APP);
    if (promoted.err || !promoted.text.startsWith('promoted')) fail('the promote answered: ' + promoted.text);
    log('promote answered: ' + promoted.text);
    const done = await waitFor(page, `${id} shown as succeeded, none in progress, every worker ready`, ([app, id, n]) => {
      const item = [...document.querySelectorAll(`[data-testid="deploy-recent-${app}"] [data-testid="deployment"]`)].find(li => li.dataset.id === id);
      const info = document.querySelector(`[data-testid="deploy-info-${app}"]`)?.textContent || '';
      const rows = Object.values(rowsOf(app));
      return item && item.dataset.state === 'succeeded' && info === 'none in progress'
        && document.querySelector(`[data-testid="promote-${app}"]`).hidden
        && rows.length === n && rows.every(r => r.state === 'ready') && item.textContent;
    }, [APP, id, INSTANCES], 60_000);
    log('deployment: ' + done);
  }
  const banner = page.locator('[data-testid="banner"]');
  if (await banner.isVisible()) fail('the unreachable banner shows: ' + await banner.textContent());
  if (pageErrors.length) fail('errors in the page: ' + pageErrors.join('; '));

  if (SHOT) {
    fs.mkdirSync(path.dirname(path.resolve(SHOT)), { recursive: true });
    await page.screenshot({ path: SHOT, fullPage: true });
    log('screenshot: ' + SHOT);
  }
  console.log('dashboard test passed');
  code = 0;
} catch (e) {
  console.error('dashboard test FAILED: ' + (e instanceof Failure ? e.message : (e && e.stack) || e));
} finally {
  if (traffic) clearInterval(traffic);
  await context?.close().catch(() => {});
  fs.rmSync(dataDir, { recursive: true, force: true });
  clearTimeout(watchdog);
}
process.exit(code);
