'use strict';
// The two CPU jobs of bench/cpu.sh, written exactly as io.drover.examples.hash.HashWorker
// (deploy/examples/hash) does them, with the same constants:
//   pbkdf2(password)  PBKDF2-HMAC-SHA256, salt "drover-bench-salt" (UTF-8), ITERATIONS
//                     iterations, 32-byte key -> 64 lower-case hex digits. OpenSSL through
//                     crypto.pbkdf2Sync: the synchronous form of crypto.pbkdf2, so that the job
//                     runs on the thread that calls it (a worker thread, or the event loop)
//                     rather than on libuv's own 4-thread pool.
//   sieve()           the number of primes <= SIEVE_SIZE: a sieve of Eratosthenes over a fresh
//                     Uint8Array(n + 1) (1 = composite), crossing off from p*p in steps of p.
// Env (read by whoever requires this): PBKDF2_ITERATIONS (default 40000, ~6.5 ms here),
// SIEVE_SIZE (default 2000000). The defaults equal HashWorker's.
const crypto = require('crypto');

const SALT = 'drover-bench-salt';
const KEY_BYTES = 32;
const ITERATIONS = posInt('PBKDF2_ITERATIONS', 40000);
const SIEVE_SIZE = posInt('SIEVE_SIZE', 2000000);

function posInt(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer, got ${raw}`);
  return n;
}

function pbkdf2(password) {
  return crypto.pbkdf2Sync(password, SALT, ITERATIONS, KEY_BYTES, 'sha256').toString('hex');
}

function countPrimes(n) {
  if (n < 2) return 0;
  const composite = new Uint8Array(n + 1);
  for (let p = 2; p * p <= n; p++) {
    if (composite[p] === 0) {
      for (let m = p * p; m <= n; m += p) composite[m] = 1;
    }
  }
  let count = 0;
  for (let i = 2; i <= n; i++) {
    if (composite[i] === 0) count++;
  }
  return count;
}

function sieve() {
  return countPrimes(SIEVE_SIZE);
}

// Which job a request asks for, by the path's last segment (as HashWorker does):
// { job: 'pbkdf2', arg: password } | { job: 'sieve' } | { job: 'health' } | null.
function parse(url) {
  const u = new URL(url, 'http://x');
  const last = u.pathname.slice(u.pathname.lastIndexOf('/') + 1);
  if (last === 'pbkdf2') return { job: 'pbkdf2', arg: u.searchParams.get('password') || '' };
  if (last === 'sieve') return { job: 'sieve' };
  if (last === 'health') return { job: 'health' };
  return null;
}

function run(job, arg) {
  return job === 'pbkdf2' ? pbkdf2(arg) : String(sieve());
}

module.exports = { pbkdf2, countPrimes, sieve, parse, run, ITERATIONS, SIEVE_SIZE, SALT, KEY_BYTES };
