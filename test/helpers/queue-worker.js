'use strict';
// A separate process that works the store as a gateway worker would (run from the built dist/).
// Modes: drain URL WORKER OUT | numbers URL SCOPE KIND COUNT OUT | hang URL WORKER LEASE_MS
const { appendFileSync } = require('node:fs');
const { Store } = require('../../dist/src/store/store.js');

async function main() {
  const [mode, url, ...rest] = process.argv.slice(2);
  const store = await Store.open(url, { payloads: 'database' });
  try {
    if (mode === 'drain') {
      const [worker, out] = rest;
      let done = 0;
      while (true) {
        const jobs = await store.queue.claim(worker, 25, 60_000, ['work']);
        if (jobs.length === 0) {
          // Finished when nothing is queued or running: not after some idle time, which a slow start of the
          // other worker would outlast.
          const counts = await store.queue.counts();
          if (!counts.queued && !counts.running) break;
          await new Promise((r) => setTimeout(r, 10));
          continue;
        }
        for (const j of jobs) {
          appendFileSync(out, `${j.id}\n`);
          if (await store.queue.complete(j)) done++;
        }
      }
      process.stdout.write(`${done}\n`);
    } else if (mode === 'numbers') {
      const [scope, kind, count, out] = rest;
      const got = [];
      for (let i = 0; i < Number(count); i++)
        got.push(await store.transaction((m) => store.nextControlNumber(m, scope, kind)));
      appendFileSync(out, got.join('\n') + '\n');
    } else if (mode === 'hang') {
      const [worker, leaseMs] = rest;
      const jobs = await store.queue.claim(worker, 1, Number(leaseMs), ['work']);
      process.stdout.write(`claimed ${jobs.map((j) => j.id).join(',')}\n`);
      await new Promise(() => undefined); // mid-job, until killed
    }
  } finally {
    await store.close();
  }
}
main().catch((e) => {
  process.stderr.write(`${e.stack}\n`);
  process.exit(1);
});
