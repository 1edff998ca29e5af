/**
 * The AS2 listener's partner policy is built once per partner, not per message: these pin that a
 * cached policy never outlives what it was built from. A partner file edited to name another
 * certificate is used as soon as the partners folder is reloaded; a certificate file replaced in place
 * is used once the policy's recheck second has passed. Also: the payload and its MDN are stored under
 * the sha256 the crypto thread computed with the unwrap.
 */
import { createHash } from 'node:crypto';
import { POLICY_RECHECK_MS, startAs2, type RunningAs2 } from '../../src/pipeline/as2';
import { MessageRecord } from '../../src/store/entities';
import { parseMdn } from '../../src/transports/as2/mdn';
import { buildMessage } from '../../src/transports/as2/message';
import { makePartyInProcess, PAYLOADS } from '../transports/as2/peer';
import { type Deployment, deployment, type Harness, pipelineContext } from './support';
import { post } from '../helpers/http';
import { freePort } from '../transports/peers/system';

const us = makePartyInProcess('us');
const oldKey = makePartyInProcess('acme-2025');
const newKey = makePartyInProcess('acme-2026');

const partnerFile = (certificate: string) =>
  [
    'id: acme',
    "identifiers: { as2: 'ACME CORP' }",
    `certificates: { as2: ${certificate} }`,
    'inbound: { as2: { signed: required, encrypted: required } }',
  ].join('\n');

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('as2 listener: the partner policy follows the partner file and its certificate', () => {
  let d: Deployment;
  let h: Harness;
  let as2: RunningAs2;
  let sent = 0;

  beforeAll(async () => {
    const port = await freePort();
    d = deployment({
      'gateway.yaml': [
        'identity:',
        '  x12: [{ qualifier: ZZ, id: OURCOMPANY }]',
        "  as2: { id: 'OUR GATEWAY', key: certs/our/as2.key, certificate: certs/our/as2.pem }",
        // One crypto thread: the unwrap, and the hashes, run off the event loop as in production.
        `as2: { port: ${port}, path: /as2, cryptoThreads: 1 }`,
      ].join('\n'),
      'certs/our/as2.key': us.key.export({ type: 'pkcs8', format: 'pem' }) as string,
      'certs/our/as2.pem': us.pem,
      'certs/acme/as2.pem': oldKey.pem,
      'certs/acme/as2-2026.pem': newKey.pem,
      'partners/acme.yaml': partnerFile('certs/acme/as2.pem'),
    });
    h = await pipelineContext(d, 'sqlite', () => new Date());
    as2 = await startAs2(h.ctx);
  });
  afterAll(async () => {
    await as2?.close();
    await h?.close();
    d?.remove();
  });

  /** Posts a message signed with `signer`'s key; resolves to the MDN's disposition and the stored row, if any. */
  async function send(signer: typeof oldKey) {
    const m = buildMessage({
      payload: PAYLOADS[0].bytes,
      contentType: 'application/edi-x12',
      fileName: 'po.x12',
      as2From: 'ACME CORP',
      as2To: 'OUR GATEWAY',
      messageId: `<policy-test-${++sent}@acme>`,
      sign: { key: signer.key, certificate: signer.certificate, digest: 'sha256' },
      encrypt: { certificates: [us.certificate], cipher: 'aes256-cbc' },
      mdn: { to: 'edi@acme.example', signed: ['sha256'] },
    });
    const answer = await post(as2.url!, m.headers, m.body);
    expect(answer.status).toBe(200);
    const mdn = parseMdn(String(answer.headers['content-type']), answer.body, { certificates: [us.certificate] });
    const row = await h.store.ds.manager.findOneBy(MessageRecord, { as2MessageId: m.messageId, as2From: 'ACME CORP' });
    return { disposition: mdn.disposition, row, mic: m.mic };
  }

  it('takes a message signed with the certificate of the partner file, stored under the hashes the crypto thread made', async () => {
    const r = await send(oldKey);
    expect(r.disposition).toEqual(expect.objectContaining({ type: 'processed', modifier: undefined }));
    expect(r.row).not.toBeNull();
    const row = r.row!;
    expect(row.sha256).toBe(sha256(PAYLOADS[0].bytes));
    expect((await h.store.payload(row.sha256)).equals(PAYLOADS[0].bytes)).toBe(true);
    // The MDN kept for a resend is named by its own bytes.
    const mdn = await h.store.payload(row.mdnSha256!);
    expect(row.mdnSha256).toBe(sha256(mdn));
  });

  it('refuses the new key until the partner file names it, then takes it as soon as the folder is reloaded', async () => {
    const before = await send(newKey);
    expect(before.disposition).toMatchObject({
      type: 'processed',
      modifier: 'error',
      description: 'authentication-failed',
    });
    expect(before.row).toBeNull();

    d.file('partners/acme.yaml', partnerFile('certs/acme/as2-2026.pem'));
    const change = h.ctx.partners.reload(true);
    expect(change?.changed.map((p) => p.id)).toEqual(['acme']);

    const after = await send(newKey);
    expect(after.disposition).toEqual(expect.objectContaining({ type: 'processed', modifier: undefined }));
    expect(after.row).not.toBeNull();
    // The old certificate is no longer the partner's: its signature no longer verifies.
    const old = await send(oldKey);
    expect(old.disposition).toMatchObject({
      type: 'processed',
      modifier: 'error',
      description: 'authentication-failed',
    });
    expect(old.row).toBeNull();
  });

  it('uses a certificate file replaced in place once the recheck interval has passed', async () => {
    // The partner file names as2-2026.pem now (previous test); the partner rolls back to the old key.
    d.file('certs/acme/as2-2026.pem', oldKey.pem);
    await new Promise((r) => setTimeout(r, POLICY_RECHECK_MS + 100));
    const r = await send(oldKey);
    expect(r.disposition).toEqual(expect.objectContaining({ type: 'processed', modifier: undefined }));
    expect(r.row).not.toBeNull();
  });
});
