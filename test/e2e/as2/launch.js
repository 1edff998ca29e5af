#!/usr/bin/env node
'use strict';
// The built gateway with its AS2 listener, for the AS2 end-to-end tests: `edi-gateway start` plus
// startAs2, until src/main.ts calls startAs2 itself. startAs2 runs once per gateway, so once it does,
// the call here only returns the listener the gateway already started.
const { resolve } = require('node:path');
const dist = resolve(__dirname, '../../../dist/src');
const { startGateway } = require(`${dist}/main.js`);
const { startAs2 } = require(`${dist}/pipeline/as2.js`);

async function run(configFile) {
  const gw = await startGateway({ configFile: resolve(configFile) });
  let as2;
  try {
    as2 = await startAs2(gw.ctx);
  } catch (e) {
    await gw.stop();
    throw e;
  }
  await new Promise((r) => {
    process.once('SIGTERM', r);
    process.once('SIGINT', r);
  });
  await as2.close();
  await gw.stop();
}

run(process.argv[2]).then(
  () => { process.exitCode = 0; },
  (e) => {
    process.stderr.write(`launch: ${e && e.describe ? e.describe() : (e && e.message) || e}\n`);
    process.exitCode = 2;
  },
);
