'use strict';
// A separate process that runs the real process step on one large file (from the built dist/), so its
// memory is its own to measure: argv CONFIG_DIR DATABASE_URL FILE. It prints one JSON line: the job's
// outcome, the largest heap and Buffer memory left after each committed batch (run it with --expose-gc), and the peak RSS (VmHWM) of the process.
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const dist = join(__dirname, '..', '..', 'dist', 'src');
const { loadGateway } = require(join(dist, 'config', 'gateway.js'));
const { builtInProfiles } = require(join(dist, 'config', 'profiles.js'));
const { silentLogger } = require(join(dist, 'pipeline', 'logger.js'));
const { Maps } = require(join(dist, 'pipeline', 'maps.js'));
const { PartnerDirectory } = require(join(dist, 'pipeline', 'partner-directory.js'));
const { processMessage } = require(join(dist, 'pipeline', 'process.js'));
const { Store } = require(join(dist, 'store', 'store.js'));

function peakRss() {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) * 1024 : process.memoryUsage().rss;
}

/**
 * Two full collections: V8 frees the backing stores of dead Buffers on a background thread after a
 * collection, so on a loaded machine arrayBuffers read right after one still counts them (CI once saw
 * 11 MB). The next collection first waits for that sweep to finish.
 */
function collect() {
  global.gc?.();
  global.gc?.();
}

async function main() {
  const [dir, url, file] = process.argv.slice(2);
  const g = loadGateway(join(dir, 'gateway.yaml'), {});
  if (!g.ok) throw new Error(JSON.stringify(g.issues));
  const config = g.config;
  const partners = new PartnerDirectory(config, silentLogger);
  partners.reload(true);
  const store = await Store.open(url, { payloadDir: join(dir, 'payloads') });
  await store.migrate();
  const ctx = {
    config,
    partners,
    profiles: builtInProfiles().set,
    maps: new Maps(config.partners),
    logger: silentLogger,
    clock: () => new Date(),
    store,
  };
  const received = await store.receiveFile({
    direction: 'in',
    transport: 'file',
    path: file,
    fileName: 'large.x12',
    partnerId: null,
  });
  const base = peakRss();
  const job = await store.queue.claimKey(`${received.message.id}:process`, 'large', 600_000);
  // Measured after a full collection: what the step keeps from batch to batch, not garbage not yet collected.
  collect();
  const heapBefore = process.memoryUsage().heapUsed;
  const buffersBefore = process.memoryUsage().arrayBuffers;
  let heapMax = 0;
  let buffersMax = 0;
  let batches = 0;
  await processMessage(ctx, job, {
    afterBatch: () => {
      batches++;
      collect();
      const m = process.memoryUsage();
      heapMax = Math.max(heapMax, m.heapUsed);
      buffersMax = Math.max(buffersMax, m.arrayBuffers);
    },
  });
  const message = await store.message(received.message.id);
  const [{ n }] = await store.query('SELECT COUNT(*) AS n FROM edi_transaction WHERE messageId = ?', [
    received.message.id,
  ]);
  const [{ acks }] = await store.query("SELECT COUNT(*) AS acks FROM ack WHERE direction = 'out'");
  const [{ deliveries }] = await store.query('SELECT COUNT(*) AS deliveries FROM delivery');
  await store.close();
  const result = {
    status: message.status,
    transactions: Number(n),
    acks: Number(acks),
    deliveries: Number(deliveries),
    batches,
    heapBefore,
    heapMax,
    buffersBefore,
    buffersMax,
    rssBefore: base,
    rssPeak: peakRss(),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((e) => {
  process.stderr.write(`${e.stack ?? e}\n`);
  process.exit(1);
});
