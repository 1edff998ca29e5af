/**
 * AS2 end to end, through the real gateway process (`edi-gateway start` over dist/) and independent
 * peers, once on SQLite and once on MariaDB (with `processes: 2`: a second worker process shares the
 * queue):
 * - openssl and curl (as2-send-openssl.sh) send to the gateway across SIGN × ENCRYPT × CIPHER × MD ×
 *   KEYTRANS × HTTP_CTE × MDN (sync, async to a local server, none) × MDN_SIGNED, pairwise by default,
 *   plus every combination of the MDN's factors under CI, all of them with AS2_E2E_FULL_MATRIX on SQLite
 *   (MariaDB takes the pairwise subset always); every MDN is checked by as2-verify-mdn-openssl.sh
 *   (signature and MIC), every payload is compared byte for byte with what the store kept, and every
 *   transaction is in `report --format json` with transport as2 and its Message-ID;
 * - the refusals: tampered bodies, wrong certificates, unsigned where required, unknown AS2-From,
 *   oversize, a compressed bomb, a repeated Message-ID;
 * - the gateway's own sender: a routed document goes to as2-listener.js running as2-receive-openssl.sh,
 *   openssl accepts it and the delivery ends `delivered` with the MDN's disposition recorded.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { loadCertificate, loadPrivateKey } from '../../src/transports/as2/cms';
import { buildMdn, type Disposition } from '../../src/transports/as2/mdn';
import { buildMessage, receiveMessage } from '../../src/transports/as2/message';
import { redactUrl } from '../../src/store/data-source';
import { allCombinations, FULL_MATRIX, inParallel, pairwise, readHeaderFile, type Row } from '../transports/as2/peer';
import { DATABASES, freshDatabase, testWith, type TestDatabase } from '../helpers/databases';
import { cli, eventually, freePort, scratch, type Scratch, x12Order } from './gateway';
import {
  As2GatewayProcess,
  describeWithPeers,
  MdnSink,
  PEERS,
  sendWithOpenssl,
  sh,
  StoreReader,
  type MessageRow,
} from './as2/harness';
import { post, type Answer } from '../helpers/http';

// Under CI about 60 messages go through openssl and the gateway (AS2_E2E_FULL_MATRIX: 680): minutes on a loaded 2-core machine.
jest.setTimeout(600_000);

const factors = {
  SIGN: ['1', '0'],
  ENCRYPT: ['1', '0'],
  CIPHER: ['aes128', 'aes192', 'aes256', 'des3'],
  MD: ['sha1', 'sha256', 'sha384', 'sha512'],
  KEYTRANS: ['pkcs1', 'oaep'],
  HTTP_CTE: ['binary', 'base64'],
  MDN: ['sync', 'async', 'none'],
  MDN_SIGNED: ['1', '0'],
} as const;
type Case = Row<typeof factors>;
const ENCRYPTION_ONLY = new Set<string>(['CIPHER', 'KEYTRANS', 'HTTP_CTE']);
const relevant = (r: Case, name: string) =>
  (r.ENCRYPT === '1' || !ENCRYPTION_ONLY.has(name)) && (r.MDN !== 'none' || name !== 'MDN_SIGNED');
/** One row per distinct message: factors that mean nothing in a row take their first value. */
function distinct(rows: Case[]): Case[] {
  const seen = new Map<string, Case>();
  for (const r of rows) {
    const c = Object.fromEntries(
      Object.entries(r).map(([k, v]) => [k, relevant(r, k) ? v : factors[k as keyof typeof factors][0]]),
    ) as Case;
    seen.set(JSON.stringify(c), c);
  }
  return [...seen.values()];
}
const pairwiseRows = distinct(pairwise(factors, (r, a, b) => relevant(r, a as string) && relevant(r, b as string)));
/**
 * What this file adds to the transport suites is the running gateway's MDN path, so under CI it takes every
 * combination of the factors the MDN depends on (signature, digest, MDN mode, MDN signed), the encryption
 * factors rotating through their values, beside the pairwise rows. The crypto factors' full matrix is
 * receive-openssl.test.ts's (256 cases, in-process); all 680 distinct messages here are opt-in
 * (AS2_E2E_FULL_MATRIX=1), minutes of CI for no pair the two suites leave uncovered.
 */
const E2E_FULL_MATRIX = !!process.env.AS2_E2E_FULL_MATRIX;
const mdnRows = (): Case[] =>
  allCombinations({ SIGN: factors.SIGN, MD: factors.MD, MDN: factors.MDN, MDN_SIGNED: factors.MDN_SIGNED }).map(
    (r, i) => ({
      ...r,
      ENCRYPT: factors.ENCRYPT[i % 2],
      CIPHER: factors.CIPHER[i % factors.CIPHER.length],
      KEYTRANS: factors.KEYTRANS[Math.floor(i / 2) % 2],
      HTTP_CTE: factors.HTTP_CTE[Math.floor(i / 4) % 2],
    }),
  );
const matrixName = (kind: 'sqlite' | 'mariadb') =>
  E2E_FULL_MATRIX && kind === 'sqlite'
    ? 'full matrix'
    : FULL_MATRIX && kind === 'sqlite'
      ? 'pairwise and every MDN combination'
      : 'pairwise';
/** MariaDB always takes the pairwise subset, which covers every pair of values once. */
const rowsOn = (kind: 'sqlite' | 'mariadb'): Case[] =>
  kind === 'mariadb'
    ? pairwiseRows
    : E2E_FULL_MATRIX
      ? distinct(allCombinations(factors))
      : FULL_MATRIX
        ? distinct([...pairwiseRows, ...mdnRows()])
        : pairwiseRows;
const title = (c: Case) =>
  Object.entries(c)
    .filter(([k]) => relevant(c, k))
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');

const micName = (md: string) => (md === 'sha1' ? 'sha1' : `sha-${md.slice(3)}`);

/** An HTTP response's body as a MIME entity (its Content-Type, an empty line, the body): what as2-verify-mdn-openssl.sh reads. */
function entityFile(file: string, contentType: string, body: Buffer): string {
  writeFileSync(file, Buffer.concat([Buffer.from(`Content-Type: ${contentType}\r\n\r\n`, 'latin1'), body]));
  return file;
}

function bodyOf(raw: Buffer): Buffer {
  return raw.subarray(raw.indexOf('\r\n\r\n') + 4);
}

for (const kind of DATABASES)
  describeWithPeers(
    `AS2 through the running gateway on ${kind} (${matrixName(kind)}: ${rowsOn(kind).length} openssl messages)`,
    () => {
      const rows = rowsOn(kind);
      let db: TestDatabase | undefined;
      let s: Scratch;
      let gw: As2GatewayProcess;
      let sink: MdnSink;
      let store: StoreReader;
      let listener: ChildProcess | undefined;
      let url = '';
      let ourCert = '';
      const env: Record<string, string> = { DATABASE_URL: '', LOG_LEVEL: 'info' };
      const party = async (name: string) => {
        mkdirSync(join(s.dir, 'certs', name), { recursive: true });
        const key = join(s.dir, 'certs', name, 'as2.key');
        const cert = join(s.dir, 'certs', name, 'as2.pem');
        const r = await sh('openssl', [
          'req',
          '-x509',
          '-newkey',
          'rsa:2048',
          '-nodes',
          '-keyout',
          key,
          '-out',
          cert,
          '-days',
          '2',
          '-sha256',
          '-subj',
          `/CN=${name}`,
        ]);
        if (r.code !== 0) throw new Error(r.stderr);
        return { key, cert };
      };
      let acme: { key: string; cert: string };
      let stranger: { key: string; cert: string };
      let rollOld: { key: string; cert: string };
      let beta: { key: string; cert: string };
      let gamma: { key: string; cert: string };
      let listenerOut = '';
      /** Gamma: a partner that answers with async MDNs (built here with our own MDN code), as `gammaSays` says. */
      let gammaServer: Server;
      let gammaSays: Disposition = { kind: 'processed' };
      /** Whether gamma POSTs its MDN before answering our POST (overtaking our own commit of the delivery). */
      let gammaEarly = false;
      /** Whether gamma's MDN carries a MIC that is not the one of what it received. */
      let gammaWrongMic = false;
      const gammaGot: Array<{
        messageId: string;
        receiptDeliveryOption?: string;
        payload: Buffer;
        mdnStatus?: number;
      }> = [];
      const send = (payload: string, from: string, keys: { key: string; cert: string }, e: Record<string, string>) =>
        sendWithOpenssl(
          { payload, key: keys.key, cert: keys.cert, receiverCert: ourCert, url, from, to: 'OUR GATEWAY' },
          { ASYNC_URL: sink.url, CURL_TIMEOUT: '60', ...e },
        );
      const payloadFile = (name: string, bytes: string | Buffer) => {
        const f = join(s.dir, 'send', name);
        mkdirSync(join(s.dir, 'send'), { recursive: true });
        writeFileSync(f, bytes);
        return f;
      };
      const report = async (): Promise<
        Array<{
          transport: string;
          as2MessageId: string | null;
          direction: string;
          partner: string;
          deliveryStatus: string;
          tracked: Record<string, string> | null;
          fileName: string | null;
        }>
      > => {
        const r = await cli(['report', '--config', `${s.dir}/gateway.yaml`, '--format', 'json'], env);
        expect(r.stderr).toBe('');
        return JSON.parse(r.stdout);
      };
      const inMessage = async (id: string): Promise<MessageRow | undefined> =>
        (await store.messages('direction = ? AND as2MessageId = ?', 'in', id))[0];

      beforeAll(async () => {
        db = await freshDatabase(kind);
        env.DATABASE_URL = db.url;
        s = scratch();
        [acme, stranger, rollOld, beta, gamma] = await Promise.all([
          party('acme'),
          party('stranger'),
          party('roll-old'),
          party('beta'),
          party('gamma'),
        ]);
        const rollNew = await party('roll-new');
        const port = await freePort();
        const listenerPort = await freePort();
        url = `http://127.0.0.1:${port}/as2`;
        // Where partners send async MDNs to us; the gateway would otherwise name this host by its host name.
        Object.assign(env, { EDI_GATEWAY_AS2_URL: url });
        gammaServer = createServer((req, res) => {
          const chunks: Buffer[] = [];
          req.on('data', (c: Buffer) => chunks.push(c));
          req.on('end', () => {
            const got = receiveMessage(req.headers, Buffer.concat(chunks), {
              signed: 'required',
              encrypted: 'required',
              certificates: [loadCertificate(readFileSync(ourCert))],
              keys: [{ key: loadPrivateKey(readFileSync(gamma.key)) }],
            });
            const messageId = String(req.headers['message-id']);
            const seen = {
              messageId,
              receiptDeliveryOption: req.headers['receipt-delivery-option'] as string | undefined,
              payload: got.payload,
            } as (typeof gammaGot)[number];
            gammaGot.push(seen);
            const early = gammaEarly;
            if (!early) res.writeHead(200, { 'Content-Length': '0' }).end();
            const mdn = buildMdn({
              reportingUA: 'gamma',
              finalRecipient: 'GAMMA-AS2',
              originalMessageId: messageId,
              disposition: gammaSays,
              receivedContentMic: gammaWrongMic
                ? { ...got.mic, digest: Buffer.alloc((got.mic.digest.length * 3) / 4).toString('base64') }
                : got.mic,
              sign: {
                key: loadPrivateKey(readFileSync(gamma.key)),
                certificate: loadCertificate(readFileSync(gamma.cert)),
                digest: 'sha256',
              },
            });
            void post(
              seen.receiptDeliveryOption!,
              {
                'AS2-Version': '1.2',
                'AS2-From': 'GAMMA-AS2',
                'AS2-To': '"OUR GATEWAY"',
                'Message-ID': `<mdn-${gammaGot.length}@gamma>`,
                'Content-Type': mdn.contentType,
              },
              mdn.body,
            ).then((a) => {
              seen.mdnStatus = a.status;
              if (early) res.writeHead(200, { 'Content-Length': '0' }).end();
            });
          });
        });
        await new Promise<void>((r) => gammaServer.listen(0, '127.0.0.1', r));
        sink = new MdnSink();
        await sink.start();
        s.file(
          'gateway.yaml',
          [
            // The database is DATABASE_URL: a fresh SQLite file or MariaDB database.
            'payloads: data/payloads',
            'identity:',
            '  x12: [{ qualifier: ZZ, id: OURCOMPANY }]',
            // Ours are made by the gateway on its first start, as in production.
            "  as2: { id: 'OUR GATEWAY', key: certs/our/as2.key, certificate: certs/our/as2.pem }",
            `as2: { port: ${port}, path: /as2, maxBytes: 1MB }`,
            'workers: 2',
            // On MariaDB, a second worker process shares the queue: deliveries and MDNs are matched across processes.
            `processes: ${kind === 'mariadb' ? 2 : 1}`,
            'delivery: { attempts: 2, backoff: 100ms, maxBackoff: 200ms }',
          ].join('\n'),
        );
        s.file(
          'partners/acme.yaml',
          [
            'id: acme',
            "identifiers: { x12: [{ qualifier: ZZ, id: ACME }], as2: 'ACME AS2' }",
            'certificates: { as2: certs/acme/as2.pem }',
            'inbound: { as2: { signed: optional, encrypted: optional } }',
            'duplicates: { interchange: accept }',
            'tracking: { po: BEG.BEG03 }',
            'routes:',
            "  - match: { type: '850', test: true }",
            '    format: raw',
            '    partner: beta',
            '    to: as2out',
            "  - match: { type: '850' }",
            '    to: erp',
            'endpoints:',
            '  erp: { file: { dir: out/erp } }',
          ].join('\n'),
        );
        // No inbound.as2: the defaults, a signature and encryption both required.
        s.file(
          'partners/strict.yaml',
          [
            'id: strict',
            'identifiers: { x12: [{ qualifier: ZZ, id: STRICT }], as2: STRICT }',
            'certificates: { as2: certs/acme/as2.pem }',
          ].join('\n'),
        );
        s.file(
          'partners/roll.yaml',
          [
            'id: roll',
            'identifiers: { x12: [{ qualifier: ZZ, id: ROLL }], as2: ROLLOVER }',
            `certificates: { as2: [certs/roll-new/as2.pem, certs/roll-old/as2.pem] }`,
            'inbound: { as2: { signed: required, encrypted: required } }',
          ].join('\n'),
        );
        expect(existsSync(rollNew.cert)).toBe(true);
        s.file(
          'partners/beta.yaml',
          [
            'id: beta',
            'identifiers: { x12: [{ qualifier: ZZ, id: BETA }], as2: BETA-AS2 }',
            'certificates: { as2: certs/beta/as2.pem }',
            'endpoints:',
            `  as2out: { as2: { url: 'http://127.0.0.1:${listenerPort}/as2', sign: sha256, encrypt: aes128-cbc, mdn: { mode: sync, signed: true } } }`,
          ].join('\n'),
        );
        s.file(
          'partners/gamma.yaml',
          [
            'id: gamma',
            'identifiers: { x12: [{ qualifier: ZZ, id: GAMMA }], as2: GAMMA-AS2 }',
            'certificates: { as2: certs/gamma/as2.pem }',
            'endpoints:',
            `  async: { as2: { url: 'http://127.0.0.1:${(gammaServer.address() as AddressInfo).port}/as2', ` +
              `sign: sha512, encrypt: aes256-gcm, compress: true, mdn: { mode: async, signed: true } } }`,
          ].join('\n'),
        );
        gw = new As2GatewayProcess(`${s.dir}/gateway.yaml`, env);
        await gw.start();
        // The gateway runs on the database under test (DATABASE_URL), and on MariaDB with its second worker process.
        expect(gw.logged('database migrated')?.database).toBe(redactUrl(db.url));
        if (kind === 'mariadb')
          expect(
            (await eventually('the second worker process', () => gw.logged('worker process running'))).pid,
          ).not.toBe(gw.logged('gateway running')?.pid);
        ourCert = join(s.dir, 'certs/our/as2.pem');
        expect(
          gw.logged('made our AS2 key and a self-signed certificate: give the certificate to partners'),
        ).toBeDefined();
        store = await StoreReader.open(db.url, join(s.dir, 'data/payloads'));

        listenerOut = join(s.dir, 'beta-listener');
        listener = spawn(
          process.execPath,
          [
            join(PEERS, 'as2-listener.js'),
            String(listenerPort),
            listenerOut,
            join(PEERS, 'as2-receive-openssl.sh'),
            beta.key,
            beta.cert,
            ourCert,
          ],
          {
            env: { ...process.env, MAX_REQ: '100', IDLE_S: '600' },
            stdio: ['ignore', 'pipe', 'inherit'],
          },
        );
        await new Promise<void>((resolve, reject) => {
          listener!.stdout!.on('data', (c: Buffer) => {
            if (c.toString().includes('[listener] pid')) resolve();
          });
          listener!.on('exit', (code) => reject(new Error(`as2-listener.js exited with ${code}`)));
        });
      }, 120_000);

      afterAll(async () => {
        if (listener?.pid && listener.exitCode === null) listener.kill('SIGTERM');
        await store?.close();
        await gw?.stop();
        await sink?.stop();
        if (gammaServer) await new Promise<void>((r) => gammaServer.close(() => r()));
        s?.remove();
        await db?.drop();
      });
      const test = testWith(() => db);

      test(
        'openssl messages across the matrix: every MDN verifies with openssl, every payload is stored exactly, ' +
          'every transaction is reported as AS2',
        async () => {
          const started = Date.now();
          const results = await inParallel(rows, 4, async (c, i) => {
            const control = 7000 + i;
            const bytes = Buffer.from(x12Order({ sender: 'ACME', control, po: `PO-AS2-${control}` }), 'latin1');
            const file = payloadFile(`po-${control}.x12`, bytes);
            const messageId = `<e2e-${i}.${Date.now()}@acme.example>`;
            const outdir = join(s.dir, 'cases', String(i));
            const sent = await send(file, 'ACME AS2', acme, { ...c, OUTDIR: outdir, MESSAGE_ID: messageId });
            if (sent.code !== 0)
              return `${title(c)}: as2-send-openssl.sh exit ${sent.code}: ${sent.stdout.slice(-300)} ${sent.stderr}`;
            // RFC 4130: the algorithm asked for, else the signature's; unsigned and not asked: SHA-256 (docs/as2.md).
            const md = (c.MDN !== 'none' && c.MDN_SIGNED === '1') || c.SIGN === '1' ? c.MD : 'sha256';
            const micInput = c.SIGN === '1' || c.ENCRYPT === '1' ? readFileSync(join(outdir, '01-entity.mime')) : bytes;
            const mic = `${createHash(md).update(micInput).digest('base64')}, ${micName(md)}`;
            if (md === c.MD && (c.SIGN === '1' || c.ENCRYPT === '1') && mic !== sent.mic)
              return `${title(c)}: our expected MIC ${mic} is not the script's ${sent.mic}`;
            let mdnFile: string | undefined;
            if (c.MDN === 'sync') {
              mdnFile = join(outdir, 'response.http');
            } else if (c.MDN === 'async') {
              if (bodyOf(sent.response!).length !== 0) return `${title(c)}: the async answer has a body`;
              const got = await eventually('the async MDN', () => sink.find(messageId), 30_000).catch(() => undefined);
              if (!got) return `${title(c)}: no async MDN arrived`;
              if (got.headers['as2-to'] !== '"ACME AS2"' || got.headers['as2-from'] !== '"OUR GATEWAY"')
                return `${title(c)}: async MDN AS2 headers ${got.headers['as2-from']} → ${got.headers['as2-to']}`;
              mdnFile = entityFile(join(outdir, 'async-mdn.mime'), String(got.headers['content-type']), got.body);
            }
            if (mdnFile) {
              const v = await sh(join(PEERS, 'as2-verify-mdn-openssl.sh'), [mdnFile, ourCert, mic, messageId]);
              const want = c.MDN_SIGNED === '1' ? 0 : 3;
              if (
                v.code !== want ||
                !v.stdout.includes('MIC check     : MATCH') ||
                !/disposition\s+: automatic-action\/MDN-sent-automatically; processed\n/.test(v.stdout)
              ) {
                return `${title(c)}: as2-verify-mdn-openssl.sh exit ${v.code} (want ${want})\n${v.stdout}${v.stderr}`;
              }
            }
            const row = await eventually('the message row', () => inMessage(messageId), 10_000).catch(() => undefined);
            if (!row) return `${title(c)}: no message row`;
            // Unsigned and unencrypted, the script sends the entity's Content-Type alone: the file name stays behind.
            const fileName = c.SIGN === '0' && c.ENCRYPT === '0' ? null : `po-${control}.x12`;
            const expected = {
              transport: 'as2',
              partnerId: 'acme',
              as2From: 'ACME AS2',
              fileName,
              mdnDisposition: 'processed',
              mic,
            };
            const actual = {
              transport: row.transport,
              partnerId: row.partnerId,
              as2From: row.as2From,
              fileName: row.fileName,
              mdnDisposition: row.mdnDisposition,
              mic: row.mic,
            };
            if (JSON.stringify(actual) !== JSON.stringify(expected))
              return `${title(c)}: stored ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`;
            if (!(await store.payload(row.sha256)).equals(bytes))
              return `${title(c)}: the stored payload differs from what was sent`;
            if ((row.mdnSha256 !== null) !== (c.MDN !== 'none')) return `${title(c)}: mdnSha256 ${row.mdnSha256}`;
            if (c.MDN === 'sync' && !bodyOf(await store.payload(row.mdnSha256!)).equals(bodyOf(sent.response!)))
              return `${title(c)}: the stored MDN is not the one sent`;
            return 'ok';
          });
          const failures = results.filter((r) => r !== 'ok');
          expect(failures).toEqual([]);
          console.log(`AS2 e2e: ${rows.length} openssl messages in ${Math.round((Date.now() - started) / 1000)} s`);

          const ids = new Set(
            (await store.messages("direction = 'in' AND transport = 'as2' AND partnerId = 'acme'")).map(
              (m) => m.as2MessageId,
            ),
          );
          const reported = await eventually(
            'every transaction in the report',
            async () => {
              const r = (await report()).filter(
                (x) =>
                  x.partner === 'acme' && x.direction === 'in' && x.as2MessageId !== null && ids.has(x.as2MessageId),
              );
              return r.length >= rows.length && r.every((x) => x.deliveryStatus === 'delivered') && r;
            },
            60_000,
          );
          expect(reported.every((x) => x.transport === 'as2')).toBe(true);
          expect(new Set(reported.map((x) => x.as2MessageId)).size).toBe(rows.length);
        },
        // Each message costs about a dozen openssl, node and curl processes of the peer scripts (0.7-1 s a
        // message at 4 in flight in CI, more when the machine is shared): the budget follows the rows.
        Math.max(600_000, rows.length * 2_000),
      );

      test('a repeated Message-ID: stored and reported once, the same MDN bytes answered twice', async () => {
        const file = payloadFile('dup.x12', x12Order({ sender: 'ACME', control: 8001, po: 'PO-DUP' }));
        const e = { MESSAGE_ID: '<dup-1@acme.example>', CIPHER: 'aes128', MD: 'sha384' };
        const first = await send(file, 'ACME AS2', acme, { ...e, OUTDIR: join(s.dir, 'dup-1') });
        const second = await send(file, 'ACME AS2', acme, { ...e, OUTDIR: join(s.dir, 'dup-2') });
        expect([first.code, second.code]).toEqual([0, 0]);
        expect(bodyOf(second.response!).equals(bodyOf(first.response!))).toBe(true);
        const v = await sh(join(PEERS, 'as2-verify-mdn-openssl.sh'), [
          join(s.dir, 'dup-2', 'response.http'),
          ourCert,
          second.mic,
          '<dup-1@acme.example>',
        ]);
        expect(v.code).toBe(0);
        expect(await store.messages('as2MessageId = ?', '<dup-1@acme.example>')).toHaveLength(1);
        await eventually('the transaction reported', async () =>
          (await report()).some((x) => x.tracked?.po === 'PO-DUP'),
        );
        await new Promise((r) => setTimeout(r, 500));
        expect((await report()).filter((x) => x.tracked?.po === 'PO-DUP')).toHaveLength(1);
        expect(await store.events("stage = 'as2-duplicate-changed'")).toHaveLength(0);

        // The same Message-ID with other content: the first MDN again (RFC 4130 §5.5), but not without a trace.
        const other = payloadFile('dup-other.x12', x12Order({ sender: 'ACME', control: 8002, po: 'PO-DUP-OTHER' }));
        const third = await send(other, 'ACME AS2', acme, { ...e, OUTDIR: join(s.dir, 'dup-3') });
        expect(third.code).toBe(0);
        expect(bodyOf(third.response!).equals(bodyOf(first.response!))).toBe(true);
        const [message] = await store.messages('as2MessageId = ?', '<dup-1@acme.example>');
        const sha = createHash('sha256').update(readFileSync(other)).digest('hex');
        const [changed] = await eventually('the changed duplicate recorded', async () => {
          const ev = await store.events("stage = 'as2-duplicate-changed' AND code = 'EDIGW_AS2_DUPLICATE_CHANGED'");
          return ev.length > 0 && ev;
        });
        expect(changed).toMatchObject({ status: 'warning', messageId: message.id, partnerId: 'acme' });
        expect(changed.detail).toContain(sha);
        expect(changed.detail).toContain(message.sha256);
        // Log lines reach stdout in batches (ADR 0019-c): up to 100 ms after the event the store recorded.
        const warned = await eventually('the changed duplicate logged', () =>
          gw.lines.find((l) => l.code === 'EDIGW_AS2_DUPLICATE_CHANGED'),
        );
        expect(warned).toMatchObject({
          level: 40,
          partner: 'acme',
        });
        const page = await cli(['report', '--config', `${s.dir}/gateway.yaml`, '--format', 'html'], env);
        expect(page.stdout).toContain('Received but not taken in (1)');
        expect(page.stdout).toContain(sha);
        expect((await report()).some((x) => x.tracked?.po === 'PO-DUP-OTHER')).toBe(false);
      });

      test('a partner in rollover: a message signed with its previous certificate verifies', async () => {
        const file = payloadFile('roll.x12', x12Order({ sender: 'ROLL', control: 8101, po: 'PO-ROLL' }));
        const r = await send(file, 'ROLLOVER', rollOld, { MESSAGE_ID: '<roll-1@roll>', OUTDIR: join(s.dir, 'roll') });
        expect(r.code).toBe(0);
        const v = await sh(join(PEERS, 'as2-verify-mdn-openssl.sh'), [
          join(s.dir, 'roll', 'response.http'),
          ourCert,
          r.mic,
          '<roll-1@roll>',
        ]);
        expect(v.code).toBe(0);
        expect((await inMessage('<roll-1@roll>'))?.partnerId).toBe('roll');
      });

      test('refused with a signed MDN that says why, nothing stored, the refusal recorded', async () => {
        const bytes = x12Order({ sender: 'ACME', control: 8201, po: 'PO-BAD' });
        const file = payloadFile('bad.x12', bytes);
        const dry = async (name: string, e: Record<string, string>) => {
          const outdir = join(s.dir, name);
          const r = await send(file, 'ACME AS2', acme, {
            ...e,
            OUTDIR: outdir,
            DRY_RUN: '1',
            MESSAGE_ID: `<${name}@acme.example>`,
          });
          expect(r.code).toBe(0);
          return {
            headers: readHeaderFile(join(outdir, 'http-request-headers.txt')),
            body: readFileSync(join(outdir, 'http-body.bin')),
            outdir,
          };
        };
        const answered = async (name: string, a: Answer, disposition: string) => {
          expect([name, a.status]).toEqual([name, 200]);
          const v = await sh(join(PEERS, 'as2-verify-mdn-openssl.sh'), [
            entityFile(join(s.dir, `${name}.mdn`), String(a.headers['content-type']), a.body),
            ourCert,
          ]);
          // 4: signed and valid, but not "processed".
          expect([name, v.code, v.stdout.match(/disposition\s+: (.*)/)?.[1]]).toEqual([
            name,
            4,
            `automatic-action/MDN-sent-automatically; ${disposition}`,
          ]);
        };

        const signed = await dry('tampered-signed', { ENCRYPT: '0' });
        const at = signed.body.indexOf('PO-BAD');
        signed.body[at] = 'Q'.charCodeAt(0);
        await answered(
          'tampered-signed',
          await post(url, signed.headers, signed.body),
          'processed/error: integrity-check-failed',
        );

        // The RSA-encrypted content key (the 256-byte OCTET STRING) altered: every decryption failure looks the same.
        const sealed = await dry('tampered-encrypted', { CIPHER: 'aes256' });
        const parsed = await sh('openssl', [
          'asn1parse',
          '-inform',
          'DER',
          '-in',
          join(sealed.outdir, '03-enveloped.der'),
        ]);
        const key = /^\s*(\d+):d=\d+\s+hl=(\d+)\s+l=\s*256 prim: OCTET STRING/m.exec(parsed.stdout);
        expect(key).not.toBeNull();
        sealed.body[Number(key![1]) + Number(key![2]) + 100] ^= 0x55;
        await answered(
          'tampered-encrypted',
          await post(url, sealed.headers, sealed.body),
          'processed/error: decryption-failed',
        );

        const wrongSigner = await send(file, 'ACME AS2', stranger, {
          MESSAGE_ID: '<wrong-signer@acme.example>',
          OUTDIR: join(s.dir, 'wrong-signer'),
        });
        expect(wrongSigner.code).toBe(0);
        await answered(
          'wrong-signer',
          {
            status: 200,
            headers: {
              'content-type': String(/Content-Type: (.*)\r\n/i.exec(wrongSigner.response!.toString('latin1'))![1]),
            },
            body: bodyOf(wrongSigner.response!),
          },
          'processed/error: authentication-failed',
        );

        const wrongRecipient = await sendWithOpenssl(
          {
            payload: file,
            key: acme.key,
            cert: acme.cert,
            receiverCert: stranger.cert,
            url,
            from: 'ACME AS2',
            to: 'OUR GATEWAY',
          },
          { MESSAGE_ID: '<wrong-recipient@acme.example>', OUTDIR: join(s.dir, 'wrong-recipient') },
        );
        await answered(
          'wrong-recipient',
          {
            status: 200,
            headers: {
              'content-type': String(/Content-Type: (.*)\r\n/i.exec(wrongRecipient.response!.toString('latin1'))![1]),
            },
            body: bodyOf(wrongRecipient.response!),
          },
          'processed/error: decryption-failed',
        );

        const unsigned = await send(
          payloadFile('strict.x12', x12Order({ sender: 'STRICT', control: 8202, po: 'PO-STRICT' })),
          'STRICT',
          acme,
          { SIGN: '0', MESSAGE_ID: '<unsigned@strict>', OUTDIR: join(s.dir, 'unsigned') },
        );
        await answered(
          'unsigned',
          {
            status: 200,
            headers: {
              'content-type': String(/Content-Type: (.*)\r\n/i.exec(unsigned.response!.toString('latin1'))![1]),
            },
            body: bodyOf(unsigned.response!),
          },
          'processed/error: insufficient-message-security',
        );

        // A bomb openssl cannot build here (no zlib): ours, 20 MB of zeros compressed before signing, then encrypted.
        const bomb = buildMessage({
          payload: Buffer.alloc(20 * 1024 * 1024),
          contentType: 'application/edi-x12',
          fileName: 'bomb.x12',
          as2From: 'ACME AS2',
          as2To: 'OUR GATEWAY',
          messageId: '<bomb@acme.example>',
          sign: {
            key: loadPrivateKey(readFileSync(acme.key)),
            certificate: loadCertificate(readFileSync(acme.cert)),
            digest: 'sha256',
          },
          encrypt: { certificates: [loadCertificate(readFileSync(ourCert))], cipher: 'aes256-cbc' },
          compress: 'before-signing',
          mdn: { to: 'as2@acme.example', signed: ['sha256'] },
        });
        expect(bomb.body.length).toBeLessThan(100 * 1024);
        await answered('bomb', await post(url, bomb.headers, bomb.body), 'processed/error: decompression-failed');

        for (const id of ['tampered-signed', 'tampered-encrypted', 'wrong-signer', 'wrong-recipient', 'bomb'])
          expect(await inMessage(`<${id}@acme.example>`)).toBeUndefined();
        expect(await inMessage('<unsigned@strict>')).toBeUndefined();
        const refusals = await eventually('the refusals recorded', async () => {
          const ev = await store.events("stage = 'as2-refused'");
          return ev.length >= 6 && ev;
        });
        expect(refusals.map((e) => e.code)).toEqual(
          expect.arrayContaining([
            'EDIGW_AS2_INTEGRITY_CHECK_FAILED',
            'EDIGW_AS2_DECRYPTION_FAILED',
            'EDIGW_AS2_AUTHENTICATION_FAILED',
            'EDIGW_AS2_INSUFFICIENT_SECURITY',
            'EDIGW_AS2_DECOMPRESSION_REFUSED',
          ]),
        );
      });

      test('an unknown AS2-From: 403 with the reason, recorded; more than maxBytes: 413', async () => {
        const file = payloadFile('stranger.x12', x12Order({ sender: 'NOBODY', control: 8301, po: 'PO-NOBODY' }));
        const r = await send(file, 'NOBODY', stranger, { MESSAGE_ID: '<nobody@x>', OUTDIR: join(s.dir, 'nobody') });
        expect(r.code).toBe(1);
        expect(r.response!.toString('latin1')).toMatch(/^HTTP\/1\.1 403/);
        expect(bodyOf(r.response!).toString()).toContain(
          'AS2-From "NOBODY": unknown AS2-From: no partner file has it as identifiers.as2 [EDIGW_AS2_PARTNER_UNKNOWN]',
        );
        await eventually(
          'the refusal recorded',
          async () => (await store.events("stage = 'as2-refused' AND code = 'EDIGW_AS2_PARTNER_UNKNOWN'")).length === 1,
        );

        const big = payloadFile('big.x12', Buffer.alloc(1536 * 1024, 0x41));
        const o = await send(big, 'ACME AS2', acme, { MESSAGE_ID: '<big@acme.example>', OUTDIR: join(s.dir, 'big') });
        expect(o.code).toBe(1);
        expect(o.response!.toString('latin1')).toMatch(/^HTTP\/1\.1 413/);
        expect(await inMessage('<big@acme.example>')).toBeUndefined();
      });

      test(
        'our sender: a routed order goes by AS2 to as2-receive-openssl.sh, which accepts it; ' +
          'the delivery ends delivered with the MDN recorded',
        async () => {
          const order = x12Order({ sender: 'ACME', control: 8401, po: 'PO-OUT', test: true });
          const r = await send(payloadFile('out.x12', order), 'ACME AS2', acme, {
            MESSAGE_ID: '<route-out@acme.example>',
            OUTDIR: join(s.dir, 'route-out'),
          });
          expect(r.code).toBe(0);
          const row = await eventually(
            'the delivered row',
            async () => {
              const x = (await report()).find((t) => t.tracked?.po === 'PO-OUT' && t.direction === 'in');
              return x?.deliveryStatus === 'delivered' && x;
            },
            60_000,
          );
          expect(row.transport).toBe('as2');
          const [out] = await store.messages("direction = 'out' AND partnerId = 'beta'");
          expect(out).toMatchObject({
            transport: 'as2',
            status: 'sent',
            as2From: 'OUR GATEWAY',
            mdnDisposition: 'processed',
          });
          expect(out.as2MessageId).toMatch(/^<edigw-[0-9a-f-]+@OURGATEWAY>$/);
          const opensslMic = readFileSync(join(listenerOut, 'req-1', 'mic.txt'), 'latin1').trim();
          expect(out.mic).toBe(opensslMic);
          expect(readFileSync(join(listenerOut, 'req-1', 'receive.log'), 'latin1')).toMatch(
            /decrypted OK[\s\S]*signature OK/,
          );
          // Format raw: the interchange as received, from ISA to IEA.
          const sentBytes = await store.payload(out.sha256);
          expect(sentBytes.toString('latin1')).toBe(order.trimEnd());
          expect(readFileSync(join(listenerOut, 'req-1', 'payload.bin')).equals(sentBytes)).toBe(true);
          expect((await store.payload(out.mdnSha256!)).toString('latin1')).toContain(
            `Original-Message-ID: ${out.as2MessageId}`,
          );
        },
      );

      test('async MDNs for what we send: matched on our listener by Original-Message-ID; a negative one turns the delivery dead', async () => {
        const sendTo = async (control: number) => {
          const file = payloadFile(
            `gamma-${control}.x12`,
            x12Order({ sender: 'OURCOMPANY', receiver: 'GAMMA', control, po: `PO-G-${control}` }),
          );
          const r = await cli(
            ['send', '--partner', 'gamma', '--endpoint', 'async', file, '--config', `${s.dir}/gateway.yaml`],
            env,
          );
          if (gammaSays.kind === 'processed' && !gammaWrongMic) expect([r.code, r.stderr]).toEqual([0, '']);
          const seen = await eventually('gamma to get it and answer', () =>
            gammaGot.find((g) => g.payload.toString('latin1').includes(`PO-G-${control}`) && g.mdnStatus !== undefined),
          );
          expect(seen.mdnStatus).toBe(200);
          expect(seen.receiptDeliveryOption).toBe(url);
          return seen.messageId;
        };
        const settled = (id: string, what: string) =>
          eventually(what, async () => {
            const [m] = await store.messages("direction = 'out' AND as2MessageId = ?", id);
            const [d] = m
              ? await store.store.query<Array<{ status: string }>>('SELECT status FROM delivery WHERE messageId = ?', [
                  m.id,
                ])
              : [];
            return m?.mdnDisposition && (d?.status === 'delivered' || d?.status === 'dead')
              ? { message: m, delivery: d.status }
              : undefined;
          });
        // Late: gamma answers our POST, then sends the MDN. Early: the MDN comes first and overtakes our own commit.
        for (const [control, early] of [
          [8501, false],
          [8502, true],
        ] as const) {
          gammaSays = { kind: 'processed' };
          gammaEarly = early;
          const { message, delivery } = await settled(
            await sendTo(control),
            `the MDN recorded (${early ? 'early' : 'late'})`,
          );
          expect([delivery, message.status, message.mdnDisposition, message.partnerId]).toEqual([
            'delivered',
            'sent',
            'processed',
            'gamma',
          ]);
          expect((await store.payload(message.mdnSha256!)).toString('latin1')).toMatch(
            /^Content-Type: multipart\/signed/,
          );
        }
        // A refusal, late and early, and a wrong MIC that overtakes our commit (before our MIC is recorded): each ends dead.
        const refusals = [
          [8503, false, false, 'EDIGW_AS2_MDN_NEGATIVE'],
          [8504, true, false, 'EDIGW_AS2_MDN_NEGATIVE'],
          [8505, true, true, 'EDIGW_AS2_MDN_MIC_MISMATCH'],
        ] as const;
        for (const [control, early, wrongMic, code] of refusals) {
          gammaSays = wrongMic ? { kind: 'processed' } : { kind: 'error', error: 'decryption-failed' };
          gammaEarly = early;
          gammaWrongMic = wrongMic;
          const { message, delivery } = await settled(await sendTo(control), `the refusal recorded (${control})`);
          expect([control, delivery, message.status]).toEqual([control, 'dead', 'failed']);
          expect(message.mdnDisposition).toBe(wrongMic ? 'processed' : 'processed/error: decryption-failed');
          const dead = await store.events("stage = 'dead-letter' AND messageId = ?", message.id);
          expect(dead.map((e) => e.code)).toEqual([code]);
          expect(dead[0].detail).toMatch(/edi-gateway replay \S+ sends it again/);
        }
        gammaEarly = false;
        gammaWrongMic = false;
      });

      test("certificates that expire within 30 days are warned about at start (the partners' here last 2 days; ours, made by the gateway, 2 years)", () => {
        const warned = gw.lines.filter((l) => l.msg === 'AS2 certificate expires within 30 days');
        expect(new Set(warned.map((l) => l.owner))).toEqual(new Set(['acme', 'beta', 'gamma', 'roll', 'strict']));
        // Both certificates of a partner in rollover are looked at.
        expect(
          warned
            .filter((l) => l.owner === 'roll')
            .map((l) => l.file)
            .sort(),
        ).toEqual([join(s.dir, 'certs/roll-new/as2.pem'), join(s.dir, 'certs/roll-old/as2.pem')]);
        expect(warned.every((l) => l.daysLeft === 1 && typeof l.notAfter === 'string')).toBe(true);
      });

      test('SIGTERM: the listener closes and the gateway exits 0', async () => {
        expect(await gw.stop()).toBe(0);
      });
    },
    kind,
  );
