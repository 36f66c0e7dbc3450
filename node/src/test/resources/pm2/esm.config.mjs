// An ES module ecosystem file (PM2's ecosystem-es template): export default.
export default {
  apps: [{ name: 'esm', script: 'index.js', instances: 1 }],
};
