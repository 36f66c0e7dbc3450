'use strict';
// A bad release of bench/app/hello.js for the proof's deploy section: it serves as hello.js does,
// becomes ready, then exits with status 1 after CRASH_AFTER_MS (default 2500) milliseconds —
// only as DROVER_INSTANCE CRASH_ONLY_INSTANCE when that is set (the other instances run on).
require('../../app/hello.js');
const only = process.env.CRASH_ONLY_INSTANCE;
if (only === undefined || only === process.env.DROVER_INSTANCE) {
  setTimeout(() => process.exit(1), Number(process.env.CRASH_AFTER_MS || 2500));
}
