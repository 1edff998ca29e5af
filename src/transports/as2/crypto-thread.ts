/**
 * A crypto thread of the AS2 listener (crypto-pool.ts): unwraps messages and builds MDNs, one task
 * at a time, with the same code the event loop runs when there are no threads (unwrap-task.ts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadCertificate, type Certificate, type DecryptionKey } from './cms';
import { buildMdn } from './mdn';
import { asBuffer, transferable, type FromCryptoThread, type ThreadIdentity, type ToCryptoThread } from './crypto-wire';
import { mdnInputFor, unwrapMessage, type MdnSigning } from './unwrap-task';
import { toWire } from '../sftp/thread-wire';
import { warmUp } from './warm-up';

const port = parentPort;
if (!port) throw new Error('crypto-thread runs only as a worker thread');
const data = workerData as { identity: ThreadIdentity; testHooks?: boolean; warmup?: number };

const keys: DecryptionKey[] = data.identity.keys.map((k) => ({
  key: k.key,
  ...(k.certificate ? { certificate: loadCertificate(asBuffer(k.certificate)) } : {}),
}));
const signing: MdnSigning = {
  id: data.identity.id,
  reportingUA: data.identity.reportingUA,
  ...(data.identity.signer
    ? {
        signer: {
          key: data.identity.signer.key,
          certificate: loadCertificate(asBuffer(data.identity.signer.certificate)),
        },
      }
    : {}),
};

/** Partner certificates by their DER: read once per thread, not once per message. */
const certificates = new Map<string, Certificate>();
const CERTIFICATES_KEPT = 1_000;

function certificate(der: Uint8Array): Certificate {
  const id = asBuffer(der).toString('base64');
  let c = certificates.get(id);
  if (!c) {
    c = loadCertificate(Buffer.from(der));
    if (certificates.size >= CERTIFICATES_KEPT) certificates.clear();
    certificates.set(id, c);
  }
  return c;
}

function reply(m: FromCryptoThread, views: Uint8Array[] = []): void {
  const buffers = new Set(views.map((v) => v.buffer as ArrayBuffer));
  port!.postMessage(m, [...buffers]);
}

function run(m: ToCryptoThread): void {
  switch (m.type) {
    case 'unwrap': {
      if (data.testHooks && testHook(m.headers['edigw-test-thread'])) return;
      const { mdn, payload, ...rest } = unwrapMessage(
        m.headers,
        asBuffer(m.body),
        {
          signed: m.policy.signed,
          encrypted: m.policy.encrypted,
          certificates: m.policy.certificates.map(certificate),
          keys,
          ...(m.policy.decompression ? { decompression: m.policy.decompression } : {}),
        },
        signing,
        m.mdnAt,
      );
      const sent = [transferable(payload), ...(mdn ? [transferable(mdn)] : [])];
      return reply(
        { id: m.id, ok: true, unwrapped: { ...rest, payload: sent[0], ...(mdn ? { mdn: sent[1] } : {}) } },
        sent,
      );
    }
    case 'mdn': {
      const entity = transferable(buildMdn(mdnInputFor(signing, m.as2, m.disposition, m.mic, m.at)).entity);
      return reply({ id: m.id, ok: true, mdn: entity }, [entity]);
    }
  }
}

/** Tests only (workerData.testHooks): a message that makes the thread fail in each way a thread can. */
function testHook(what: unknown): boolean {
  if (what === 'exit') process.exit(70);
  if (what === 'throw') throw new Error('test hook: the task threw');
  if (what === 'loop') for (;;);
  if (what !== 'uncaught') return false;
  setImmediate(() => {
    throw new Error('test hook: an uncaught exception on the thread');
  });
  return true;
}

if (data.warmup) warmUp(signing, keys, data.warmup, (r) => reply({ warmedUp: r }));

port.on('message', (m: ToCryptoThread) => {
  try {
    run(m);
  } catch (e) {
    reply({ id: m.id, ok: false, error: toWire(e) });
  }
});
