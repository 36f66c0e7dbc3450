// A file that fails while PM2 (or drover import) evaluates it.
const secrets = require('./missing-secrets.json');
module.exports = { apps: [{ script: 'app.js', env: secrets }] };
