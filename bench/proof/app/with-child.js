'use strict';
// bench/app/hello.js plus one long-lived child process (`sleep 600`, in the worker's own process
// group, with the worker's environment): what a worker that starts helpers leaves behind when it
// is killed without a chance to end them. The orphans section of bench/proof/run.sh counts them.
const { spawn } = require('child_process');
const path = require('path');

spawn('sleep', ['600'], { stdio: 'ignore' });
require(path.join(__dirname, '..', '..', 'app', 'hello.js'));
