#!/usr/bin/env node
'use strict';
// The compiled CLI lives in dist/ (built by `npm ci` through the prepare script).
try {
  require('../dist/src/cli/main.js')
    .main(process.argv.slice(2))
    .then(
      (code) => {
        process.exitCode = code;
      },
      (err) => {
        process.stderr.write(`edi-gateway: ${err && err.message ? err.message : err}\n`);
        process.exitCode = 2;
      },
    );
} catch (err) {
  if (err && err.code === 'MODULE_NOT_FOUND' && String(err.message).includes('dist/src/cli/main.js')) {
    process.stderr.write('edi-gateway: not built yet; run `npm run build` (npm ci does it for you)\n');
    process.exitCode = 2;
  } else {
    throw err;
  }
}
