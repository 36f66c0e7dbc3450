#!/usr/bin/env node
// Where a loaded box's CPU and scheduling go, per process group and per thread, between two
// snapshots of /proc: what bench/front-ab.sh --cpu takes around each wrk turn.
//
//   node bench/procsnap.js snap FILE
//     writes every thread's CPU time and run-queue wait (/proc/PID/task/TID/schedstat, ns), its
//     voluntary and involuntary context switches, name, process and parent process, and the
//     box's /proc/stat totals, as JSON
//   node bench/procsnap.js diff BEFORE AFTER --requests N [--wrk-cpu SECONDS] [--front PID...]
//        [--threads PID]
//     prints key=value: the box's busy and idle share over the interval and its CPU µs per
//     request (busy time / N), the front's CPU (--front: those processes and their descendants
//     that are not `node`) and its workers' (their `node` descendants), wrk's (--wrk-cpu, user +
//     sys of the wrk run, since wrk has exited by the second snapshot) and the rest of the box;
//     with --threads PID, then a table of that process's threads grouped by name (digits folded):
//     CPU µs and run-queue wait µs per request, voluntary and involuntary switches per second.
// A thread that started after the first snapshot counts from zero; one that ended before the
// second is missing (its CPU lands in "rest" through /proc/stat).
'use strict';
const fs = require('fs');

function readOr(path, dflt) {
  try {
    return fs.readFileSync(path, 'utf8');
  } catch {
    return dflt;
  }
}

function snap(file) {
  const tasks = [];
  const ios = {};
  for (const pid of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    let tids;
    try {
      tids = fs.readdirSync(`/proc/${pid}/task`);
    } catch {
      continue; // gone
    }
    for (const tid of tids) {
      const base = `/proc/${pid}/task/${tid}`;
      const stat = readOr(`${base}/stat`, null);
      const sched = readOr(`${base}/schedstat`, null);
      if (stat === null || sched === null) continue;
      const close = stat.lastIndexOf(')');
      const comm = stat.slice(stat.indexOf('(') + 1, close);
      const f = stat.slice(close + 2).split(' '); // f[0] = state (field 3), f[1] = ppid
      const [runNs, waitNs, slices] = sched.trim().split(/\s+/).map(Number);
      const status = readOr(`${base}/status`, '');
      const vol = Number((/^voluntary_ctxt_switches:\s*(\d+)/m.exec(status) || [0, 0])[1]);
      const nonvol = Number((/^nonvoluntary_ctxt_switches:\s*(\d+)/m.exec(status) || [0, 0])[1]);
      tasks.push({ pid: Number(pid), tid: Number(tid), ppid: Number(f[1]), comm, runNs, waitNs, slices, vol, nonvol });
    }
    const io = readOr(`/proc/${pid}/io`, '');
    ios[pid] = [Number((/^syscr:\s*(\d+)/m.exec(io) || [0, 0])[1]), Number((/^syscw:\s*(\d+)/m.exec(io) || [0, 0])[1])];
  }
  const cpu = readOr('/proc/stat', '').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  fs.writeFileSync(file, JSON.stringify({ at: Date.now(), hz: 100, cpu, tasks, ios }));
}

function args(argv) {
  const o = { front: [], threads: null, requests: 0, wrkCpu: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--requests') o.requests = Number(argv[++i]);
    else if (a === '--wrk-cpu') o.wrkCpu = Number(argv[++i]);
    else if (a === '--threads') o.threads = Number(argv[++i]);
    else if (a === '--front') while (i + 1 < argv.length && /^\d+$/.test(argv[i + 1])) o.front.push(Number(argv[++i]));
    else throw new Error(`procsnap.js: unknown option ${a}`);
  }
  if (!(o.requests > 0)) throw new Error('procsnap.js: --requests N (> 0)');
  return o;
}

function diff(beforeFile, afterFile, o) {
  const b = JSON.parse(fs.readFileSync(beforeFile, 'utf8'));
  const a = JSON.parse(fs.readFileSync(afterFile, 'utf8'));
  const secs = (a.at - b.at) / 1000;
  const prev = new Map(b.tasks.map((t) => [t.tid, t]));
  const d = a.tasks.map((t) => {
    const p = prev.get(t.tid) || { runNs: 0, waitNs: 0, slices: 0, vol: 0, nonvol: 0 };
    return { ...t, run: t.runNs - p.runNs, wait: t.waitNs - p.waitNs, vol: t.vol - p.vol, nonvol: t.nonvol - p.nonvol };
  });
  // processes: pid -> ppid, comm of the main thread
  const procs = new Map();
  for (const t of a.tasks) if (t.tid === t.pid) procs.set(t.pid, t);
  const inTree = (pid, roots) => {
    for (let p = pid, n = 0; p > 1 && n < 64; n++) {
      if (roots.has(p)) return true;
      const pr = procs.get(p);
      if (!pr) return false;
      p = pr.ppid;
    }
    return false;
  };
  const roots = new Set(o.front);
  let front = 0, frontWait = 0, workers = 0, workersWait = 0, all = 0;
  const sw = { front: [0, 0, 0], workers: [0, 0, 0] }; // read syscalls, write syscalls, voluntary switches
  for (const t of d) {
    all += t.run;
    if (roots.size && inTree(t.pid, roots)) {
      const isNode = (procs.get(t.pid) || t).comm === 'node';
      if (isNode) { workers += t.run; workersWait += t.wait; } else { front += t.run; frontWait += t.wait; }
      sw[isNode ? 'workers' : 'front'][2] += t.vol;
    }
  }
  for (const pid of Object.keys(a.ios || {})) {
    if (!roots.size || !inTree(Number(pid), roots)) continue;
    const g = sw[(procs.get(Number(pid)) || {}).comm === 'node' ? 'workers' : 'front'];
    const p0 = (b.ios || {})[pid] || [0, 0];
    g[0] += a.ios[pid][0] - p0[0];
    g[1] += a.ios[pid][1] - p0[1];
  }
  const jiffies = a.cpu.map((v, i) => v - (b.cpu[i] || 0));
  const total = jiffies.reduce((s, v) => s + v, 0);
  const idle = (jiffies[3] || 0) + (jiffies[4] || 0);
  const busyUs = ((total - idle) / a.hz) * 1e6;
  const n = o.requests;
  const us = (ns) => (ns / 1000 / n).toFixed(1);
  const wrkUs = o.wrkCpu == null ? null : (o.wrkCpu * 1e6) / n;
  const out = {
    secs: secs.toFixed(2),
    idle_pct: total ? ((100 * idle) / total).toFixed(1) : 'nan',
    box_us: (busyUs / n).toFixed(1),
    front_us: us(front),
    front_wait_us: us(frontWait),
    workers_us: us(workers),
    workers_wait_us: us(workersWait),
    wrk_us: wrkUs == null ? '-' : wrkUs.toFixed(1),
    front_rd: (sw.front[0] / n).toFixed(2),
    front_wr: (sw.front[1] / n).toFixed(2),
    front_vol: (sw.front[2] / n).toFixed(2),
    workers_rd: (sw.workers[0] / n).toFixed(2),
    workers_wr: (sw.workers[1] / n).toFixed(2),
    workers_vol: (sw.workers[2] / n).toFixed(2),
    rest_us: wrkUs == null ? '-' : (busyUs / n - front / 1000 / n - workers / 1000 / n - wrkUs).toFixed(1),
  };
  console.log(Object.entries(out).map(([k, v]) => `${k}=${v}`).join(' '));
  if (o.threads) {
    const groups = new Map();
    for (const t of d) {
      if (t.pid !== o.threads) continue;
      const name = t.comm.replace(/\d+/g, '#');
      const g = groups.get(name) || { n: 0, run: 0, wait: 0, vol: 0, nonvol: 0 };
      g.n++; g.run += t.run; g.wait += t.wait; g.vol += t.vol; g.nonvol += t.nonvol;
      groups.set(name, g);
    }
    const rows = [...groups.entries()].sort((x, y) => y[1].run - x[1].run || y[1].vol - x[1].vol);
    console.log(`threads of ${o.threads} over ${secs.toFixed(1)} s, ${n} requests:`);
    console.log(`  ${'name'.padEnd(28)} ${'n'.padStart(3)} ${'cpu us/req'.padStart(10)} ${'wait us/req'.padStart(11)} ${'vol/s'.padStart(8)} ${'invol/s'.padStart(8)}`);
    for (const [name, g] of rows) {
      if (g.run === 0 && g.vol === 0 && g.nonvol === 0) continue;
      console.log(`  ${name.padEnd(28)} ${String(g.n).padStart(3)} ${us(g.run).padStart(10)} ${us(g.wait).padStart(11)} ${(g.vol / secs).toFixed(0).padStart(8)} ${(g.nonvol / secs).toFixed(0).padStart(8)}`);
    }
  }
}

const [cmd, ...rest] = process.argv.slice(2);
try {
  if (cmd === 'snap' && rest.length === 1) snap(rest[0]);
  else if (cmd === 'diff' && rest.length >= 2) diff(rest[0], rest[1], args(rest.slice(2)));
  else {
    console.error('usage: procsnap.js snap FILE | diff BEFORE AFTER --requests N [--wrk-cpu S] [--front PID...] [--threads PID]');
    process.exit(2);
  }
} catch (e) {
  console.error(String(e.message || e));
  process.exit(2);
}
