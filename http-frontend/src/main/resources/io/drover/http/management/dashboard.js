// The dashboard's script (served as /dashboard.js beside the page). It only calls the management
// API (docs/api.md) with the token the page was given, if any:
//   GET /apps every 2 s, and the event stream (/events) for changes as they happen;
//   GET /apps/{app}/history (the node's last 10 minutes, then ?since= the newest point) for the
//   charts and sparklines; GET /events/recent once per connection for the timeline;
//   GET /apps/{app}/logs?follow=true for a worker's log tail; GET /cluster every 5 s;
//   GET /apps/{app}/deployments every 2 s (the deployment in progress, its slots, the recent ones),
//   POST /apps/{app}/deployments/promote|rollback from its buttons.
// Charts are inline SVG paths; every chart's path carries data-points and data-last for tests.
'use strict';
const POLL_MS = 2000, CLUSTER_MS = 5000, MAX_EVENTS = 200, MAX_LOG_LINES = 500;
const apps = new Map();           // name -> app object as in GET /apps, plus local bookkeeping
const views = new Map();          // name -> DOM references
const hist = new Map();           // name -> { t: [], s: {series: []}, w: {instance: {cpu: [], rss: []}}, windowMs }
const deps = new Map();           // name -> GET /apps/{app}/deployments: { current, recent }
const events = [];                // newest last, as the API gives them
let token = localStorage.getItem('drover.token') || '';
let lastContact = 0, eventsMode = 'connecting', es = null, streamAbort = null;

// ------------------------------------------------------------------ helpers
function h(tag, props, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (k === 'testid') e.dataset.testid = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (k in e) e[k] = v; else e.setAttribute(k, v);
  }
  for (const k of kids) e.append(k);
  return e;
}
const SVG = 'http://www.w3.org/2000/svg';
function s(tag, attrs) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  return e;
}
function setText(e, t) { t = String(t); if (e.textContent !== t) e.textContent = t; }
function setBadge(e, state) { setText(e, state); e.className = 'badge s-' + state; e.dataset.state = state; }
function fmtDur(ms) {
  const s = Math.floor(ms / 1000);
  if (s < 60) return s + 's';
  if (s < 3600) return Math.floor(s / 60) + 'm ' + (s % 60) + 's';
  if (s < 86400) return Math.floor(s / 3600) + 'h ' + Math.floor(s % 3600 / 60) + 'm';
  return Math.floor(s / 86400) + 'd ' + Math.floor(s % 86400 / 3600) + 'h';
}
function fmtBytes(b) {
  if (!b) return '–';
  const u = ['B', 'KB', 'MB', 'GB']; let i = 0;
  while (b >= 1024 && i < u.length - 1) { b /= 1024; i++; }
  return (i ? b.toFixed(1) : b) + ' ' + u[i];
}
function fmtSecs(s) {
  if (s == null || !isFinite(s)) return '–';
  return s < 1 ? (s * 1000).toPrecision(3).replace(/\.?0+$/, '') + ' ms' : s.toFixed(2) + ' s';
}
function fmtPct(p) { return p == null ? '–' : p.toFixed(1) + ' %'; }
function fmtNum(n) { return n == null ? '–' : n >= 100 ? n.toFixed(0) : n.toFixed(1); }
function lastOf(a) { for (let i = a.length - 1; i >= 0; i--) if (a[i] != null) return a[i]; return null; }
function authHeaders() { return token ? { Authorization: 'Bearer ' + token } : {}; }
const enc = encodeURIComponent;

// ------------------------------------------------------------------ calls
class HttpError extends Error { constructor(status, msg) { super(msg); this.status = status; } }
async function api(method, path, body) {
  const opts = { method, headers: authHeaders(), cache: 'no-store' };
  if (body !== undefined) { opts.body = JSON.stringify(body); opts.headers['Content-Type'] = 'application/json'; }
  let res;
  try { res = await fetch(path, opts); } catch (e) { unreachable(); throw new Error('node unreachable'); }
  reachable();
  if (res.status === 401) { needToken(); throw new HttpError(401, 'missing or wrong bearer token'); }
  const text = await res.text();
  if (!res.ok) {
    let msg = text; try { msg = JSON.parse(text).error || text; } catch (_) {}
    throw new HttpError(res.status, res.status + ': ' + msg);
  }
  return (res.headers.get('content-type') || '').includes('json') ? JSON.parse(text) : text;
}
/** Reads a server-sent event stream with fetch (EventSource cannot send the token): onEvent(type, data). */
async function readSse(path, signal, onOpen, onEvent) {
  const res = await fetch(path, { headers: { ...authHeaders(), Accept: 'text/event-stream' }, signal, cache: 'no-store' });
  if (res.status === 401) needToken();
  if (!res.ok || !res.body) throw new Error(path + ': ' + res.status);
  onOpen();
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buf = '', type = 'message', data = [];
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buf += value;
    const lines = buf.split(/\r\n|\r|\n/); buf = lines.pop();
    for (const line of lines) {
      if (line === '') { if (data.length) onEvent(type, data.join('\n')); type = 'message'; data = []; }
      else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
      else if (line.startsWith('event:')) type = line.slice(6).trim();
    }
  }
}
function unreachable() {
  const b = document.getElementById('banner');
  setText(b, 'Cannot reach the Drover node at ' + location.host + ' — retrying every 2 s' +
    (lastContact ? ' (last contact ' + new Date(lastContact).toLocaleTimeString() + ')' : '') + '.');
  b.hidden = false; setConn();
}
function reachable() { lastContact = Date.now(); document.getElementById('banner').hidden = true; }
function needToken() {
  const f = document.getElementById('tokenForm');
  if (f.hidden) { f.hidden = false; document.getElementById('token').focus(); }
  setConn();
}
document.getElementById('tokenForm').addEventListener('submit', ev => {
  ev.preventDefault();
  token = document.getElementById('token').value.trim();
  if (token) localStorage.setItem('drover.token', token); else localStorage.removeItem('drover.token');
  document.getElementById('tokenForm').hidden = true;
  hist.clear(); connectEvents(); refresh(); pollHistory(); pollCluster();
});

// ------------------------------------------------------------------ state
function worker(app, i) {
  let w = app.workers.find(x => x.instance === i);
  if (!w) { w = { app: app.name, instance: i, state: 'starting', pid: 0, port: 0, uptimeMs: 0, restarts: 0, inFlight: 0, rssBytes: 0, cpuPercent: null, detail: '' }; app.workers.push(w); }
  return w;
}
function appOf(name) {
  if (!apps.has(name)) apps.set(name, { name, state: 'running', detail: '', instances: 0, workers: [] });
  return apps.get(name);
}
function mergeSnapshot(list, askedAt) {
  const seen = new Set();
  for (const a of list) {
    seen.add(a.name);
    const cur = apps.get(a.name);
    if (cur && cur.eventAt > askedAt) { a.state = cur.state; a.detail = cur.detail; a.eventAt = cur.eventAt; }
    if (cur) a.note = cur.note; // the front's last word about its workers (an ejection), from the event stream
    for (const w of a.workers) {
      const old = cur && cur.workers.find(x => x.instance === w.instance);
      w.base = Date.now();
      if (old) { w.surge = old.surge; w.retiring = old.retiring; }
      if (old && old.eventAt > askedAt) {   // an event newer than this snapshot wins
        if (w.pid !== old.pid) { w.uptimeMs = old.uptimeMs; w.base = old.base; w.rssBytes = old.rssBytes; w.cpuPercent = old.cpuPercent; }
        for (const k of ['state', 'pid', 'port', 'restarts', 'detail', 'since', 'eventAt']) w[k] = old[k];
      }
    }
    apps.set(a.name, a);
  }
  for (const name of [...apps.keys()]) if (!seen.has(name)) { apps.delete(name); hist.delete(name); deps.delete(name); }
}
// A rolling restart runs a replacement beside the current worker under the same instance number:
// its events are shown as a note until it is ready; then the old process's wind-down is a note too.
// (stopped and failed events carry pid 0: while a replacement runs, they are taken to be its own.)
function applyEvent(e) {
  const app = appOf(e.app), now = Date.now();
  if (e.type === 'app') { app.state = e.state; app.detail = e.detail; app.eventAt = now; return; }
  if (e.type === 'route') { app.note = e.worker + ' ' + (e.inRotation ? 'back in rotation' : 'ejected: ' + e.detail); return; }
  const w = worker(app, e.instance), pid = e.pid || 0;
  w.eventAt = now;
  if (w.surge === undefined && w.state === 'ready' && e.state === 'starting' && pid !== w.pid) w.surge = pid;
  if (w.surge !== undefined && pid !== w.pid) {
    if (e.state === 'ready') { w.retiring = w.pid; delete w.surge; }
    else { w.detail = 'replacement ' + e.state + (pid ? ' (pid ' + pid + ')' : '') + ': ' + e.detail; if (e.state === 'starting') w.surge = pid; else delete w.surge; return; }
  } else if (w.retiring !== undefined && (pid === w.retiring || (pid === 0 && (e.state === 'stopped' || e.state === 'failed')))) {
    w.detail = 'old pid ' + w.retiring + ' ' + e.state + ': ' + e.detail; if (pid === 0) delete w.retiring; return;
  }
  if (pid !== w.pid) { w.uptimeMs = 0; w.base = now; w.rssBytes = 0; w.cpuPercent = null; w.inFlight = 0; }
  Object.assign(w, { state: e.state, pid, port: e.port || 0, restarts: e.restarts, detail: e.detail, since: e.at, flash: true });
}
function forgetReplacements() { for (const a of apps.values()) for (const w of a.workers) { delete w.surge; delete w.retiring; } }

// ------------------------------------------------------------------ history (the node keeps it)
const SERIES = ['requestsPerSecond', 'errorsPerSecond', 'p50Seconds', 'p99Seconds', 'queued', 'inFlight'];
async function pollHistory() {
  await Promise.all([...apps.keys()].map(async name => {
    const cur = hist.get(name);
    const since = cur && cur.t.length ? cur.t[cur.t.length - 1] : null;
    let r;
    try { r = await api('GET', '/apps/' + enc(name) + '/history' + (since ? '?since=' + since : '')); } catch (_) { return; }
    const hs = cur && since ? cur : { t: [], s: Object.fromEntries(SERIES.map(k => [k, []])), w: {} };
    hs.windowMs = r.points * r.intervalMs; hs.max = r.points;
    const n = hs.t.length;
    hs.t.push(...r.t);
    for (const k of SERIES) hs.s[k].push(...(r[k] || []));
    for (const i of Object.keys(hs.w)) if (!(i in r.workers)) delete hs.w[i];
    for (const [i, w] of Object.entries(r.workers)) {
      const cw = hs.w[i] || (hs.w[i] = { cpu: new Array(n).fill(null), rss: new Array(n).fill(null) });
      cw.cpu.push(...w.cpuPercent); cw.rss.push(...w.rssBytes);
    }
    const drop = hs.t.length - hs.max;
    if (drop > 0) {
      hs.t.splice(0, drop);
      for (const k of SERIES) hs.s[k].splice(0, drop);
      for (const w of Object.values(hs.w)) { w.cpu.splice(0, drop); w.rss.splice(0, drop); }
    }
    hist.set(name, hs);
  }));
  render();
}

// ------------------------------------------------------------------ deployments
async function pollDeployments() {
  await Promise.all([...apps.keys()].map(async name => {
    try { deps.set(name, await api('GET', '/apps/' + enc(name) + '/deployments')); } catch (_) {}
  }));
  render();
}
const IN_PROGRESS = new Set(['running', 'canary-waiting', 'promoted', 'reverting']);
function fmtClock(iso) { return iso ? new Date(iso).toLocaleTimeString() : '–'; }
function deployView(name) {
  const p = enc(name), d = {};
  d.state = h('span', { className: 'badge', testid: 'deploy-state-' + name });
  d.info = h('span', { className: 'detail', testid: 'deploy-info-' + name });
  d.promote = h('button', { testid: 'promote-' + name, title: 'the healthy canaries take old workers\' places and the rest follow',
    onclick: () => act(d.promote, name, 'POST', '/apps/' + p + '/deployments/promote').then(pollDeployments) }, 'Promote');
  d.rollback = h('button', { testid: 'rollback-' + name, title: 'go back to the last healthy settings',
    onclick: () => act(d.rollback, name, 'POST', '/apps/' + p + '/deployments/rollback', undefined,
      deps.get(name)?.current ? '' : 'No deployment is in progress: deploy the healthy settings before the current ones of ' + name + '?').then(pollDeployments) }, 'Roll back');
  d.slots = h('div', { className: 'slots', testid: 'deploy-slots-' + name });
  d.recent = h('ol', { className: 'recent', testid: 'deploy-recent-' + name });
  d.el = h('div', { className: 'deploy', testid: 'deploy-' + name },
    h('div', { className: 'deployhead' }, h('b', {}, 'Deployment'), d.state, d.info, h('span', { className: 'actions' }, d.promote, d.rollback)),
    d.slots, d.recent);
  return d;
}
function renderDeployment(name, d) {
  const r = deps.get(name), cur = r && r.current, recent = (r && r.recent || []).filter(x => !cur || x.id !== cur.id).slice(0, 5);
  d.el.hidden = !cur && !recent.length;
  const key = JSON.stringify([cur, recent]);
  if (d.el.dataset.key === key) return;
  d.el.dataset.key = key;
  if (cur) {
    setBadge(d.state, cur.state); d.state.hidden = false;
    setText(d.info, cur.id + ' · ' + cur.cause + ' · started ' + fmtClock(cur.started) + (cur.reason ? ' · ' + cur.reason : ''));
  } else {
    d.state.hidden = true; d.state.dataset.state = '';
    setText(d.info, 'none in progress');
  }
  d.promote.hidden = !cur;
  if (!d.promote.textContent.endsWith('…')) d.promote.disabled = !cur || cur.state !== 'canary-waiting';
  d.slots.replaceChildren(...(cur ? cur.slots : []).map(sl => h('span', { className: 'slot p-' + sl.phase, testid: 'slot-' + name + '-' + sl.instance, 'data-phase': sl.phase,
    title: { pending: 'runs other settings', starting: 'its new worker is starting', ready: 'its new worker waits out min-healthy-time', healthy: 'a canary awaiting promotion', replacing: 'the old worker is draining', done: 'done' }[sl.phase] || '' },
    name + '-' + sl.instance + ' ', h('b', {}, sl.phase), sl.pid ? ' pid ' + sl.pid : '')));
  d.recent.replaceChildren(...recent.map(x => h('li', { testid: 'deployment', 'data-id': x.id, 'data-state': x.state },
    h('span', { className: 'who' }, x.id), h('span', { className: 'badge s-' + x.state }, x.state),
    h('span', { className: 'at' }, x.cause + ' · ' + fmtClock(x.started) + ' → ' + fmtClock(x.finished)),
    h('span', { className: 'what' }, x.reason || ''))));
}

// ------------------------------------------------------------------ drawing
/**
 * Draws lines [{name, values, color}] over times t into an SVG of viewBox 0 0 W H: x is time over
 * the last windowMs, y from 0 to the largest value (at least minMax). A null value breaks a line.
 */
function drawChart(svg, t, lines, windowMs, minMax, W, H) {
  const now = Date.now(), from = now - windowMs;
  let max = minMax;
  for (const l of lines) for (const v of l.values) if (v != null && v > max) max = v;
  max *= 1.1;
  const x = ti => ((ti - from) / windowMs * W).toFixed(1), y = v => (H - v / max * (H - 2) - 1).toFixed(1);
  const want = lines.map(l => l.name).join(',');
  if (svg.dataset.lines !== want) {
    svg.replaceChildren();
    if (H > 30) for (const f of [0.25, 0.5, 0.75]) svg.append(s('line', { class: 'grid', x1: 0, x2: W, y1: H * f, y2: H * f }));
    for (const l of lines) svg.append(s('path', { class: 'line', stroke: l.color, 'data-series': l.name }));
    svg.dataset.lines = want;
  }
  const paths = svg.querySelectorAll('path.line');
  lines.forEach((l, k) => {
    let d = '', pen = false, points = 0;
    for (let i = 0; i < t.length; i++) {
      const v = l.values[i];
      if (v == null || t[i] < from) { pen = false; continue; }
      d += (pen ? 'L' : 'M') + x(t[i]) + ' ' + y(v); pen = true; points++;
    }
    const p = paths[k];
    p.setAttribute('d', d || 'M0 0');
    p.dataset.points = points;
    p.dataset.last = lastOf(l.values) ?? '';
    p.dataset.max = l.values.reduce((m, v) => v != null && v > m ? v : m, 0);
  });
  svg.dataset.points = t.length;
  return max / 1.1;
}
const COLORS = { rps: '#2f6fd0', err: '#c9302c', p50: '#1f8f4e', p99: '#d0631b', queued: '#b7791f', inFlight: '#6a5acd', cpu: '#d0631b', rss: '#2f6fd0' };
function chartView(app, key, title, legend) {
  const c = {};
  c.svg = s('svg', { viewBox: '0 0 300 70', preserveAspectRatio: 'none', 'data-testid': 'chart-' + app + '-' + key });
  c.legend = h('span', { className: 'legend', testid: 'legend-' + app + '-' + key });
  c.top = h('span', { testid: 'top-' + app + '-' + key });
  c.el = h('div', { className: 'chart' },
    h('div', { className: 'title' }, h('b', {}, title), ...legend.map(([k, label]) => h('span', {}, h('span', { className: 'sw', style: 'background:' + COLORS[k] }), label)), c.legend),
    c.svg,
    h('div', { className: 'axis' }, c.from = h('span', {}, '−10 min'), c.top, h('span', {}, 'now')));
  return c;
}
function renderCharts(name, v, a) {
  const hs = hist.get(name);
  if (!hs) return;
  const W = 300, H = 70, win = shownWindow(hs), t = hs.t, S = hs.s;
  for (const c of Object.values(v.charts)) setText(c.from, '−' + Math.round(win / 60000) + ' min');
  let top = drawChart(v.charts.rps.svg, t, [{ name: 'rps', values: S.requestsPerSecond, color: COLORS.rps }, { name: 'err', values: S.errorsPerSecond, color: COLORS.err }], win, 1, W, H);
  setText(v.charts.rps.legend, fmtNum(lastOf(S.requestsPerSecond)) + ' req/s' + (lastOf(S.errorsPerSecond) > 0 ? ' · ' + fmtNum(lastOf(S.errorsPerSecond)) + ' 5xx/s' : ''));
  setText(v.charts.rps.top, 'max ' + fmtNum(top) + '/s');
  top = drawChart(v.charts.lat.svg, t, [{ name: 'p50', values: S.p50Seconds, color: COLORS.p50 }, { name: 'p99', values: S.p99Seconds, color: COLORS.p99 }], win, 0.001, W, H);
  setText(v.charts.lat.legend, 'p50 ' + fmtSecs(lastOf(S.p50Seconds)) + ' · p99 ' + fmtSecs(lastOf(S.p99Seconds)));
  setText(v.charts.lat.top, 'max ' + fmtSecs(top));
  const queue = a.traffic && a.traffic.maxConcurrency > 0;
  top = drawChart(v.charts.load.svg, t, [{ name: 'inFlight', values: S.inFlight, color: COLORS.inFlight }].concat(queue ? [{ name: 'queued', values: S.queued, color: COLORS.queued }] : []), win, 1, W, H);
  setText(v.charts.load.legend, fmtNum(lastOf(S.inFlight)) + ' in flight' + (queue ? ' · ' + fmtNum(lastOf(S.queued)) + ' queued' : ''));
  setText(v.charts.load.top, 'max ' + fmtNum(top));
  v.queueLabel.hidden = !queue;
}
/** The time the charts span: since the oldest point kept, from 2 minutes up to the node's window. */
function shownWindow(hs) {
  const full = hs.windowMs || 600000;
  return hs.t.length ? Math.min(full, Math.max(120000, Math.ceil((Date.now() - hs.t[0]) / 60000) * 60000)) : full;
}
function renderSparks(name, i, rv) {
  const hs = hist.get(name), w = hs && hs.w[i];
  if (!w) return;
  const win = shownWindow(hs), span = Math.round(win / 60000) + ' min';
  const cpuTop = drawChart(rv.cpuSpark, hs.t, [{ name: 'cpu', values: w.cpu, color: COLORS.cpu }], win, 5, 64, 16);
  const rssTop = drawChart(rv.rssSpark, hs.t, [{ name: 'rss', values: w.rss, color: COLORS.rss }], win, 1, 64, 16);
  setTitle(rv.cpuSpark, 'CPU, last ' + span + ' (max ' + fmtPct(cpuTop) + ')');
  setTitle(rv.rssSpark, 'RSS, last ' + span + ' (max ' + fmtBytes(rssTop) + ')');
}
/** An SVG's tooltip (its <title> child). */
function setTitle(svg, text) {
  let t = svg.querySelector('title');
  if (!t) svg.prepend(t = s('title'));
  setText(t, text);
}

// ------------------------------------------------------------------ events
function connectEvents() {
  if (es) { es.close(); es = null; }
  if (streamAbort) { streamAbort.abort(); streamAbort = null; }
  if (token) return streamEvents();
  es = new EventSource('/events');
  const on = ev => { try { const e = JSON.parse(ev.data); if (!e.type) e.type = ev.type; onEvent(e); } catch (_) {} };
  es.addEventListener('worker', on); es.addEventListener('app', on); es.addEventListener('route', on); es.onmessage = on;
  es.onopen = () => { eventsMode = 'live'; forgetReplacements(); setConn(); refresh(); loadRecentEvents(); };
  es.onerror = () => {
    eventsMode = 'polling'; setConn();
    if (es && es.readyState === EventSource.CLOSED) { es = null; setTimeout(() => { if (!es && !token) connectEvents(); }, POLL_MS); }
  };
}
async function streamEvents() {
  const ctl = streamAbort = new AbortController();
  try {
    await readSse('/events', ctl.signal,
      () => { eventsMode = 'live'; forgetReplacements(); setConn(); refresh(); loadRecentEvents(); },
      (type, data) => { try { const e = JSON.parse(data); if (!e.type) e.type = type; onEvent(e); } catch (_) {} });
  } catch (_) { /* unreachable, aborted or refused: polling goes on meanwhile */ }
  if (ctl.signal.aborted) return;
  eventsMode = 'polling'; setConn();
  setTimeout(() => { if (streamAbort === ctl) streamEvents(); }, POLL_MS);
}
const eventKey = e => [e.type, e.at, e.app, e.instance, e.worker, e.state, e.inRotation].join('|');
function onEvent(e) {
  applyEvent(e);
  addEvents([e]);
  render();
}
function addEvents(list) {
  const seen = new Set(events.map(eventKey));
  for (const e of list) if (!seen.has(eventKey(e))) { seen.add(eventKey(e)); events.push(e); }
  events.sort((x, y) => Date.parse(x.at) - Date.parse(y.at));
  if (events.length > MAX_EVENTS) events.splice(0, events.length - MAX_EVENTS);
  renderEvents();
}
async function loadRecentEvents() {   // what happened before this page (or this connection) opened
  try { addEvents((await api('GET', '/events/recent')).events || []); } catch (_) {}
}
function eventWho(e) { return e.type === 'worker' ? e.app + '-' + e.instance : e.type === 'route' ? e.worker : e.app; }
function eventState(e) { return e.type === 'route' ? (e.inRotation ? 'in rotation' : 'ejected') : e.state; }
function renderEvents() {
  const list = document.getElementById('events'), tl = document.getElementById('timeline');
  const shown = events.slice(-100).reverse();
  list.replaceChildren(...shown.map(e => h('li', { testid: 'event' },
    h('span', { className: 'at', title: e.at }, new Date(e.at).toLocaleTimeString()),
    h('span', { className: 'who' }, eventWho(e)),
    h('span', { className: 'badge s-' + (e.type === 'route' ? 'route' : e.state) }, eventState(e)),
    h('span', { className: 'what' }, e.detail || ''))));
  if (!shown.length) list.replaceChildren(h('li', { className: 'empty' }, 'No events yet.'));
  const now = Date.now(), W = 1000;
  const win = events.length ? Math.min(600000, Math.max(120000, Math.ceil((now - Date.parse(events[0].at)) / 60000) * 60000)) : 600000;
  setText(document.getElementById('eventsDetail'), 'newest first; the strip spans the last ' + Math.round(win / 60000) + ' min');
  const marks = events.filter(e => Date.parse(e.at) > now - win).map(e => {
    const x = ((Date.parse(e.at) - (now - win)) / win * W).toFixed(1);
    const bad = e.state === 'failed' || e.state === 'backoff' || (e.type === 'route' && !e.inRotation);
    const c = s('rect', { x, y: e.type === 'app' ? 3 : 12, width: 3, height: e.type === 'app' ? 28 : 18, fill: bad ? '#c9302c' : e.state === 'ready' || e.state === 'running' ? '#1f8f4e' : '#7d8596' });
    c.append(s('title'));
    c.firstChild.textContent = new Date(e.at).toLocaleTimeString() + ' ' + eventWho(e) + ' ' + eventState(e) + ': ' + (e.detail || '');
    return c;
  });
  tl.replaceChildren(...marks);
  tl.dataset.marks = marks.length;
}
function setConn() {
  const c = document.getElementById('conn');
  const down = !document.getElementById('banner').hidden;
  const needs = !document.getElementById('tokenForm').hidden;
  c.className = 'sub ' + (down ? 'down' : needs ? 'down' : eventsMode === 'live' ? 'live' : 'polling');
  setText(c, down ? 'unreachable' : needs ? 'token needed' : eventsMode === 'live' ? 'live' : eventsMode === 'polling' ? 'polling every 2 s' : 'connecting…');
}

// ------------------------------------------------------------------ log tail
function toggleLog(app, i, rv, ncols) {
  if (rv.log) { rv.log.abort.abort(); rv.log.tr.remove(); rv.log = null; rv.logBtn.textContent = 'Logs'; return; }
  const pre = h('pre', { className: 'log', testid: 'log-' + app + '-' + i });
  const status = h('span', { testid: 'log-status-' + app + '-' + i }, 'connecting…');
  const stream = h('select', { testid: 'log-stream-' + app + '-' + i, onchange: () => follow() }, h('option', { value: 'out' }, 'stdout'), h('option', { value: 'err' }, 'stderr'));
  const log = rv.log = { tr: h('tr', { className: 'logrow' }, h('td', { colSpan: ncols },
    h('div', { className: 'logbar' }, h('b', {}, app + '-' + i), stream, status), pre)), abort: new AbortController() };
  rv.body.append(log.tr);
  rv.logBtn.textContent = 'Hide logs';
  const follow = async () => {
    log.abort.abort(); log.abort = new AbortController();
    const ctl = log.abort;
    pre.textContent = ''; setText(status, 'connecting…');
    const path = '/apps/' + enc(app) + '/logs?worker=' + i + '&stream=' + stream.value + '&tail=100&follow=true';
    try {
      await readSse(path, ctl.signal, () => setText(status, 'following ' + (stream.value === 'out' ? 'stdout' : 'stderr')), (type, data) => {
        if (type !== 'message') return;
        const stick = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4;
        pre.append(data + '\n');
        while (pre.childNodes.length > MAX_LOG_LINES) pre.firstChild.remove();
        if (stick) pre.scrollTop = pre.scrollHeight;
      });
      if (!ctl.signal.aborted) setText(status, 'the stream ended');
    } catch (e) { if (!ctl.signal.aborted) setText(status, 'cannot follow: ' + e.message); }
  };
  follow();
}

// ------------------------------------------------------------------ cluster
let clusterBusy = false;
async function pollCluster() {
  if (clusterBusy) return;
  clusterBusy = true;
  try { renderCluster(await api('GET', '/cluster')); } catch (_) {}
  clusterBusy = false;
}
function renderCluster(c) {
  const sec = document.getElementById('cluster');
  sec.hidden = !c.clustered;
  if (!c.clustered) return;
  setText(document.getElementById('clusterDetail'), c.detail || '');
  document.getElementById('members').replaceChildren(...(c.members || []).map(m => h('tr', { testid: 'member' },
    h('td', { className: m.address === c.self ? 'self' : '' }, m.address + (m.address === c.self ? ' (this node)' : '') + (m.address === c.leader ? ' · leader' : '')),
    h('td', {}, h('span', { className: 'badge s-' + (m.status === 'up' ? 'ready' : m.status === 'down' || m.status === 'removed' ? 'failed' : 'starting') }, m.status)),
    h('td', {}, m.reachable === false ? 'no' : 'yes'),
    h('td', {}, (m.roles || []).join(', ') || '–'),
    h('td', { className: 'wide', testid: 'slots' }, Object.entries(m.slots || {}).map(([a, is]) => a + ': ' + is.join(', ')).join(' · ') || '–'))));
  document.getElementById('placed').replaceChildren(...Object.entries(c.apps || {}).map(([name, a]) => h('tr', { testid: 'placed-' + name },
    h('td', {}, name), h('td', { className: 'num' }, String(a.declared)), h('td', { className: 'num' }, a.known ? String(a.ready) : '?'),
    h('td', {}, a.known ? (a.unplaced.length ? a.unplaced.map(i => i + (a.why[i] ? ' (' + a.why[i] + ')' : '')).join(', ') : '–') : '?'),
    h('td', { className: 'wide' }, a.detail || ''))));
}

// ------------------------------------------------------------------ actions
async function act(btn, app, method, path, body, confirmText) {
  if (confirmText && !confirm(confirmText)) return;
  const v = views.get(app), label = btn.textContent;
  btn.disabled = true; btn.textContent = label + '…';
  setText(v.msg, method + ' ' + path + ' …'); v.msg.className = 'msg';
  try {
    const r = await api(method, path, body);
    const ok = r.completed !== false;
    setText(v.msg, (r.detail || (r.instances !== undefined ? 'scaled to ' + r.instances : r.state ? 'app ' + r.state : 'done')) + ' · ' + new Date().toLocaleTimeString());
    v.msg.className = ok ? 'msg' : 'msg err';
  } catch (e) { setText(v.msg, e.message); v.msg.className = 'msg err'; }
  btn.disabled = false; btn.textContent = label;
  refresh();
}
const COLS = ['#', 'state', 'pid', 'port', 'uptime', 'restarts', 'in-flight', 'cpu', 'rss', 'detail', ''];
function appView(name) {
  const p = enc(name);
  const v = { rows: new Map() };
  v.state = h('span', { testid: 'app-state-' + name, className: 'badge' });
  v.detail = h('span', { className: 'detail', testid: 'app-detail-' + name });
  v.stats = h('span', { className: 'stats', testid: 'stats-' + name });
  v.input = h('input', { type: 'number', min: 1, max: 10000, title: 'workers', testid: 'scale-input-' + name, oninput: () => { v.input.dataset.dirty = '1'; } });
  const restart = h('button', { testid: 'restart-' + name, title: 'replace every worker in turn, no capacity lost',
    onclick: () => act(restart, name, 'POST', '/apps/' + p + '/restart') }, 'Rolling restart');
  const scale = h('button', { testid: 'scale-' + name, onclick: () => {
    const n = Number(v.input.value);
    if (!Number.isInteger(n) || n < 1 || n > 10000) { setText(v.msg, 'instances: a whole number from 1 to 10000'); v.msg.className = 'msg err'; return; }
    delete v.input.dataset.dirty; act(scale, name, 'POST', '/apps/' + p + '/scale', { instances: n });
  } }, 'Scale');
  v.stop = h('button', { testid: 'stop-' + name, onclick: () => act(v.stop, name, 'POST', '/apps/' + p + '/stop', undefined, 'Stop every worker of ' + name + '?') }, 'Stop');
  v.start = h('button', { testid: 'start-' + name, onclick: () => act(v.start, name, 'POST', '/apps/' + p + '/start') }, 'Start');
  v.msg = h('div', { className: 'msg', testid: 'msg-' + name });
  v.deploy = deployView(name);
  v.charts = {
    rps: chartView(name, 'rps', 'requests/s', [['rps', 'all'], ['err', '5xx']]),
    lat: chartView(name, 'latency', 'latency', [['p50', 'p50'], ['p99', 'p99']]),
    load: chartView(name, 'load', 'in flight', [['inFlight', 'in flight'], ['queued', 'queued']]),
  };
  v.queueLabel = v.charts.load.el.querySelector('.title span:nth-of-type(2)');
  const numeric = new Set(['pid', 'port', 'uptime', 'restarts', 'in-flight', 'cpu', 'rss']);
  v.table = h('table', {}, h('thead', {}, h('tr', {}, ...COLS.map(c => h('th', { className: numeric.has(c) ? 'num' : '' }, c)))));
  v.sec = h('section', { className: 'app', testid: 'app-' + name },
    h('div', { className: 'apphead' }, h('h2', {}, name), v.state, v.detail, v.stats,
      h('span', { className: 'actions' }, restart, v.input, scale, v.stop, v.start)),
    v.msg,
    v.deploy.el,
    h('div', { className: 'charts', testid: 'charts-' + name }, v.charts.rps.el, v.charts.lat.el, v.charts.load.el),
    v.table);
  return v;
}
function rowView(app, i) {
  const id = app + '-' + i, r = {};
  const td = (k, cls) => (r[k] = h('td', { className: cls || 'num', testid: k + '-' + id }));
  r.state = h('span', { className: 'badge', testid: 'state-' + id });
  r.restart = h('button', { testid: 'restart-' + id, title: 'replace this worker (replacement first)',
    onclick: () => act(r.restart, app, 'POST', '/apps/' + enc(app) + '/workers/' + i + '/restart') }, 'Restart');
  r.logBtn = h('button', { testid: 'logs-' + id, title: 'follow this worker\'s log', onclick: () => toggleLog(app, i, r, COLS.length) }, 'Logs');
  r.cpuText = h('span', { testid: 'cpu-' + id });
  r.rssText = h('span', { testid: 'rss-' + id });
  r.cpuSpark = s('svg', { viewBox: '0 0 64 16', preserveAspectRatio: 'none', 'data-testid': 'cpu-spark-' + id });
  r.rssSpark = s('svg', { viewBox: '0 0 64 16', preserveAspectRatio: 'none', 'data-testid': 'rss-spark-' + id });
  r.tr = h('tr', { testid: 'worker-' + id }, h('td', {}, String(i)), h('td', {}, r.state),
    td('pid'), td('port'), td('uptime'), td('restarts'), td('inflight'),
    h('td', { className: 'num spark' }, r.cpuText, r.cpuSpark), h('td', { className: 'num spark' }, r.rssText, r.rssSpark),
    td('detail', 'wide'), h('td', {}, r.restart, ' ', r.logBtn));
  r.body = h('tbody', {}, r.tr);
  return r;
}

// ------------------------------------------------------------------ render
function render() {
  const main = document.getElementById('apps'), now = Date.now();
  const names = [...apps.keys()].sort();
  if (!names.length) {
    let e = main.querySelector('.empty');
    if (!e) main.replaceChildren(e = h('div', { className: 'empty' }));
    setText(e, !document.getElementById('tokenForm').hidden ? 'This node needs its bearer token (top right).' : lastContact ? 'No apps.' : 'Loading…');
  }
  else main.querySelector('.empty')?.remove();
  for (const [name, v] of views) if (!apps.has(name)) { for (const rv of v.rows.values()) rv.log?.abort.abort(); v.sec.remove(); views.delete(name); }
  let ready = 0, total = 0;
  names.forEach((name, idx) => {
    const a = apps.get(name);
    let v = views.get(name);
    if (!v) { v = appView(name); views.set(name, v); }
    if (main.children[idx] !== v.sec) main.insertBefore(v.sec, main.children[idx] || null);
    setBadge(v.state, a.state);
    const ws = [...a.workers].sort((x, y) => x.instance - y.instance);
    const up = ws.filter(w => w.state === 'ready').length; ready += up; total += ws.length;
    const hs = hist.get(name), S = hs && hs.s;
    const t = a.traffic || {}, rej = t.rejected ? t.rejected.queueFull + t.rejected.queueTimeout : 0;
    const rps = S && lastOf(S.requestsPerSecond), err = S && lastOf(S.errorsPerSecond);
    setText(v.stats, up + '/' + ws.length + ' ready' + (rps != null ? ' · ' + rps.toFixed(1) + ' req/s · p50 ' + fmtSecs(lastOf(S.p50Seconds)) + ' · p99 ' + fmtSecs(lastOf(S.p99Seconds)) + (err > 0 ? ' · 5xx ' + err.toFixed(1) + '/s' : '') : '')
      + (t.maxConcurrency > 0 ? ' · queued ' + t.queued + '/' + t.maxQueue + ' (max ' + t.maxConcurrency + ' per worker' + (rej ? ', ' + rej + ' rejected' : '') + ')' : '')
      + (t.ejected && t.ejected.length ? ' · ejected: ' + t.ejected.join(', ') : ''));
    setText(v.detail, (a.detail || '') + (a.note ? ' · ' + a.note : ''));
    if (!v.input.dataset.dirty && document.activeElement !== v.input) v.input.value = a.instances || ws.length;
    v.stop.disabled = a.state === 'stopped'; v.start.disabled = a.state === 'running';
    renderCharts(name, v, a);
    renderDeployment(name, v.deploy);
    const keep = new Set(ws.map(w => w.instance));
    for (const [i, rv] of v.rows) if (!keep.has(i)) { rv.log?.abort.abort(); rv.body.remove(); v.rows.delete(i); }
    ws.forEach((w, j) => {
      let rv = v.rows.get(w.instance);
      if (!rv) { rv = rowView(name, w.instance); v.rows.set(w.instance, rv); }
      if (v.table.tBodies[j] !== rv.body) v.table.insertBefore(rv.body, v.table.tBodies[j] || null);
      setBadge(rv.state, w.state);
      setText(rv.pid, w.pid || '–'); setText(rv.port, w.port || '–');
      setText(rv.uptime, w.pid ? fmtDur((w.uptimeMs || 0) + (now - (w.base || now))) : '–');
      setText(rv.restarts, w.restarts); setText(rv.inflight, w.inFlight || 0);
      setText(rv.cpuText, w.pid && w.cpuPercent != null ? fmtPct(w.cpuPercent) : '–'); setText(rv.rssText, fmtBytes(w.rssBytes));
      renderSparks(name, w.instance, rv);
      setText(rv.detail, (w.node ? 'on ' + w.node + ' · ' : '') + (w.detail || '')); rv.detail.title = w.since ? 'since ' + w.since : '';
      if (w.flash) { rv.tr.classList.remove('flash'); void rv.tr.offsetWidth; rv.tr.classList.add('flash'); w.flash = false; }
    });
  });
  setText(document.getElementById('summary'), names.length ? names.length + ' app' + (names.length > 1 ? 's' : '') + ', ' + ready + '/' + total + ' workers ready' : '');
}

// ------------------------------------------------------------------ loop
let refreshing = false;
async function refresh() {
  if (refreshing) return;
  refreshing = true;
  const askedAt = Date.now();
  try { const r = await api('GET', '/apps'); mergeSnapshot(r.apps || [], askedAt); } catch (_) {}
  refreshing = false;
  render();
}
async function tick() { await refresh(); await Promise.all([pollHistory(), pollDeployments()]); setConn(); setTimeout(tick, POLL_MS); }
setInterval(render, 1000);   // uptimes tick between refreshes, charts slide
setInterval(pollCluster, CLUSTER_MS);
setInterval(renderEvents, 10000);   // the timeline slides
connectEvents();
pollCluster();
tick();
