/**
 * The crypto task of the AS2 listener alone (unwrap-task.ts, what a crypto thread runs for each
 * message): decrypt, verify, MIC, and the signed `processed` MDN, on this one thread, without HTTP,
 * SQLite or a load process. docs/bench.md ("AS2 rows", sessions 15 and 16) sets its CPU per message
 * beside the RSA bound and beside the previous build's, which is what a change of a few percent needs:
 * the gateway row cannot show one on a loaded machine.
 *
 *   node dist/bench/as2-task.js [warm] [timed] [step] [threads] [threadWarmup]
 *
 * `warm` messages first (default 1000), then `timed` (default 3000); CPU is process.cpuUsage, so the
 * V8 threads that compile and collect for this one are counted. With `step`, the CPU of every `step`
 * messages from the first is printed too: the curve of a cold thread compiling its way to steady state.
 * With `threads`, the messages go through the listener's pool (crypto-pool.ts) of that many threads,
 * 16 in flight, and the main thread's own CPU is reported too (from /proc): what the handover costs
 * the event loop; with `threadWarmup`, each thread first warms up on that many messages of our own
 * (warm-up.ts), awaited before anything is timed. Messages are 10 KiB, signed (SHA-256) and encrypted (AES-256-CBC, PKCS#1 v1.5 key transport), asking
 * for a signed MDN, as in the gateway row; keys and certificates are made by openssl in a scratch folder.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCertificate, loadPrivateKey } from '../src/transports/as2/cms';
import { startAs2Crypto } from '../src/transports/as2/crypto-pool';
import { buildMessage } from '../src/transports/as2/message';
import { unwrapMessage, type MdnSigning } from '../src/transports/as2/unwrap-task';

const MESSAGES = 64;

function keyPair(dir: string, name: string): { key: string; cert: string } {
  const key = join(dir, `${name}.key`);
  const cert = join(dir, `${name}.pem`);
  const out = spawnSync('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-sha256',
    '-days',
    '2',
    '-subj',
    `/CN=${name}`,
    '-keyout',
    key,
    '-out',
    cert,
  ]);
  if (out.status !== 0) throw new Error(`openssl: ${String(out.stderr)}`);
  return { key, cert };
}

const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim()) || 100;

/** This process's main thread's CPU in ms, at the kernel's tick resolution. */
function mainThreadMs(): number {
  const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(f[11]) + Number(f[12])) / CLK_TCK) * 1000;
}

async function main(): Promise<void> {
  const [warm = 1000, timed = 3000, step = 0, threads = 0, threadWarmup = 0] = process.argv.slice(2).map(Number);
  const dir = mkdtempSync(join(tmpdir(), 'edigw-as2-task-'));
  try {
    const ours = keyPair(dir, 'OURCOMPANY-AS2');
    const theirs = keyPair(dir, 'ACME-AS2');
    const ourKey = loadPrivateKey(readFileSync(ours.key));
    const ourCert = loadCertificate(readFileSync(ours.cert));
    const theirKey = loadPrivateKey(readFileSync(theirs.key));
    const theirCert = loadCertificate(readFileSync(theirs.cert));
    const line = 'PO1*1*10*EA*9.95**VP*ABC123~\n';
    const payload = Buffer.from(line.repeat(Math.ceil(10240 / line.length)).slice(0, 10240));
    const messages = Array.from({ length: MESSAGES }, () =>
      buildMessage({
        payload,
        contentType: 'application/edi-x12',
        fileName: 'order.edi',
        as2From: 'ACME-AS2',
        as2To: 'OURCOMPANY-AS2',
        sign: { key: theirKey, certificate: theirCert, digest: 'sha256' },
        encrypt: { certificates: [ourCert], cipher: 'aes256-cbc' },
        mdn: { to: 'as2@acme.example', signed: ['sha256'] },
      }),
    );
    const headers = messages.map((m) =>
      Object.fromEntries(Object.entries(m.headers).map(([k, v]) => [k.toLowerCase(), v])),
    );
    const policy = {
      signed: 'required' as const,
      encrypted: 'required' as const,
      certificates: [theirCert],
      keys: [{ key: ourKey, certificate: ourCert }],
    };
    const us: MdnSigning = {
      id: 'OURCOMPANY-AS2',
      reportingUA: 'edi-gateway',
      signer: { key: ourKey, certificate: ourCert },
    };
    const one = (i: number): void => {
      const m = messages[i % MESSAGES];
      // The listener hands the body over; a copy per run keeps the stored one intact.
      const u = unwrapMessage(headers[i % MESSAGES], Buffer.from(m.body), policy, us, new Date());
      if (!u.mdn || u.mic.digest !== m.mic.digest) throw new Error('the task did not answer as expected');
    };
    const cpu = (): number => {
      const c = process.cpuUsage();
      return (c.user + c.system) / 1000;
    };
    if (threads) {
      const pool = startAs2Crypto({
        threads,
        signing: us,
        keys: policy.keys,
        logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
        warmup: threadWarmup,
      });
      if (threadWarmup) {
        // Idle threads are unref'd: something must keep this process alive while they warm up.
        const alive = setInterval(() => undefined, 1000);
        await pool.warmedUp;
        clearInterval(alive);
      }
      const through = async (from: number, n: number): Promise<void> => {
        let next = from;
        const lane = async (): Promise<void> => {
          while (next < from + n) {
            const i = next++;
            const m = messages[i % MESSAGES];
            const u = await pool.unwrap(headers[i % MESSAGES], Buffer.from(m.body), policy, new Date());
            if (!u.mdn || u.mic.digest !== m.mic.digest) throw new Error('the task did not answer as expected');
          }
        };
        await Promise.all(Array.from({ length: 16 }, lane));
      };
      await through(0, warm);
      const [c0, m0, w0] = [cpu(), mainThreadMs(), process.hrtime.bigint()];
      await through(warm, timed);
      const [c1, m1, w1] = [cpu(), mainThreadMs(), process.hrtime.bigint()];
      await pool.close();
      console.log(
        JSON.stringify({
          warm,
          timed,
          threads,
          threadWarmup,
          cpuMsPerMessage: Number(((c1 - c0) / timed).toFixed(3)),
          mainCpuMsPerMessage: Number(((m1 - m0) / timed).toFixed(3)),
          wallMsPerMessage: Number((Number(w1 - w0) / 1e6 / timed).toFixed(3)),
        }),
      );
      return;
    }
    let at = cpu();
    for (let i = 0; i < warm; i++) {
      one(i);
      if (step && (i + 1) % step === 0) {
        const now = cpu();
        console.log(`cold ${i + 1 - step + 1}-${i + 1}: ${((now - at) / step).toFixed(3)} ms/msg`);
        at = now;
      }
    }
    const c0 = cpu();
    const w0 = process.hrtime.bigint();
    for (let i = 0; i < timed; i++) one(warm + i);
    const ms = cpu() - c0;
    const wall = Number(process.hrtime.bigint() - w0) / 1e6;
    console.log(
      JSON.stringify({
        warm,
        timed,
        cpuMsPerMessage: Number((ms / timed).toFixed(3)),
        wallMsPerMessage: Number((wall / timed).toFixed(3)),
      }),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
