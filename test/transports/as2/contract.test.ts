/**
 * AS2 in the shared transport contract (../contract.ts), against the openssl peer:
 * - inbound: our listener, with curl and openssl as the sending partner (as2-send-openssl.sh, signed,
 *   encrypted, sync MDN asked for), the MDN read back by as2-verify-mdn-openssl.sh. The partner talks
 *   to the listener through a loopback relay that counts what comes back, so "no answer before the
 *   commit" is read on the wire.
 * - outbound: our sender, to a loopback HTTP server that hands each request, byte for byte, to
 *   as2-receive-openssl.sh (decrypt, verify, payload, signed MDN) and answers as the contract's peer
 *   says: openssl's MDN, an MDN in which openssl refuses the signature, or a bare HTTP status.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import { As2Sender, as2SenderConfig } from '../../../src/transports/as2/sender';
import { startAs2Server, type As2Server } from '../../../src/transports/as2/server';
import { describeNeeding } from '../../helpers/requirements';
import { pushInboundContract, pushOutboundContract, PushPeer, type PushStore } from '../contract';
import { PEERS, describeWithPeer, makeParty, parseRawHttp, sh, tempDir, writeRawRequest, type Party } from './peer';

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
const curlMissing =
  spawnSync('curl', ['--version']).status === 0 ? undefined : 'curl is not installed (apt-get install curl)';

function listening(server: Server | ReturnType<typeof createTcpServer>): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

/**
 * A TCP relay in front of the listener: the partner connects here. It counts the bytes the listener
 * sends back, which is how a test sees whether any answer left before the store committed.
 */
async function relayTo(port: number) {
  let answered = 0;
  const sockets = new Set<Socket>();
  const relay = createTcpServer((client) => {
    const upstream = connect(port, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    }
    upstream.on('data', (c: Buffer) => {
      answered += c.length;
    });
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  const relayPort = await listening(relay);
  return {
    port: relayPort,
    answered: () => answered,
    reset: () => {
      answered = 0;
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => relay.close(resolve));
    },
  };
}

describeNeeding('as2 transport contract', 'curl', curlMissing, () => {
  describeWithPeer('as2 against the openssl peer', () => {
    let tmp: ReturnType<typeof tempDir>;
    let us: Party;
    let partner: Party;
    let stranger: Party;
    let n = 0;

    beforeAll(async () => {
      tmp = tempDir('as2-contract-');
      [us, partner, stranger] = await Promise.all([
        makeParty(tmp.dir, 'us'),
        makeParty(tmp.dir, 'partner'),
        makeParty(tmp.dir, 'stranger'),
      ]);
    }, 60_000);
    afterAll(() => tmp?.cleanup());

    /** A fresh folder under the suite's temporary one. */
    const workDir = (prefix: string) => {
      const dir = join(tmp.dir, `${prefix}-${++n}`);
      mkdirSync(dir, { recursive: true });
      return dir;
    };

    pushInboundContract('as2 listener', async () => {
      let server: As2Server | undefined;
      let relay: Awaited<ReturnType<typeof relayTo>> | undefined;
      const mdns = new Map<string, Buffer | undefined>();
      return {
        listen: async (store: PushStore) => {
          server = await startAs2Server({
            port: 0,
            host: '127.0.0.1',
            path: '/as2',
            maxBytes: 1024 * 1024,
            identity: {
              id: 'OURGATEWAY',
              keys: [{ key: us.key, certificate: us.certificate }],
              signer: { key: us.key, certificate: us.certificate },
            },
            deps: {
              logger: quiet,
              partner: (as2From) =>
                as2From === 'ACME-AS2'
                  ? {
                      partnerId: 'acme',
                      signed: 'required',
                      encrypted: 'required',
                      certificates: [partner.certificate],
                    }
                  : undefined,
              intake: (i) => store({ bytes: i.bytes, fileName: i.fileName, id: i.as2MessageId }),
              recordMdn: async (messageId, record) => {
                mdns.set(messageId, record.mdn);
              },
              storedMdn: async (messageId) => mdns.get(messageId),
              refused: () => undefined,
            },
          });
          relay = await relayTo(server.port);
        },
        push: async (name, bytes, id) => {
          const dir = workDir('push');
          const file = join(dir, name);
          writeFileSync(file, bytes);
          relay!.reset();
          const out = join(dir, 'out');
          const sent = await sh(
            join(PEERS, 'as2-send-openssl.sh'),
            [
              file,
              partner.keyFile,
              partner.certFile,
              us.certFile,
              `http://127.0.0.1:${relay!.port}/as2`,
              'ACME-AS2',
              'OURGATEWAY',
            ],
            { MDN: 'sync', MDN_SIGNED: '1', MESSAGE_ID: id, OUTDIR: out },
          );
          const mic = readFileSync(join(out, 'mic.txt'), 'latin1').trim();
          // Exit 0: signed by us, for this Message-ID, with this MIC, and the disposition is processed.
          const verified = await sh(join(PEERS, 'as2-verify-mdn-openssl.sh'), [
            join(out, 'response.http'),
            us.certFile,
            mic,
            id,
          ]);
          return {
            accepted: sent.code === 0 && verified.code === 0,
            detail:
              `as2-send-openssl.sh exit ${sent.code}: ${sent.stdout.trim().split('\n').pop()}; ` +
              `as2-verify-mdn-openssl.sh exit ${verified.code}: ${verified.stdout.trim()}`,
          };
        },
        answered: () => (relay?.answered() ?? 0) > 0,
        close: async () => {
          await relay?.close();
          await server?.close();
        },
      };
    });

    pushOutboundContract('as2 sender', async () => {
      const peer = new PushPeer();
      /** openssl's receiver over one request, checking the signature against `signer`: its raw HTTP response. */
      const receive = async (request: string, signer: Party) => {
        const work = `${request.slice(0, -4)}-${signer === us ? 'us' : 'other'}`;
        const r = await sh(join(PEERS, 'as2-receive-openssl.sh'), [
          partner.keyFile,
          partner.certFile,
          signer.certFile,
          request,
          work,
        ]);
        if (r.code !== 0) throw new Error(`as2-receive-openssl.sh exit ${r.code}: ${r.stderr}`);
        return { work, response: parseRawHttp(readFileSync(join(work, 'mdn-response.http'))) };
      };
      const answer = async (req: IncomingMessage, res: ServerResponse, body: Buffer) => {
        const dir = workDir('peer');
        const request = join(dir, 'req.raw');
        const headers = Object.fromEntries(
          Object.entries(req.headers)
            .filter(([k]) => !['content-length', 'host', 'connection'].includes(k))
            .map(([k, v]) => [k, String(v)]),
        );
        writeRawRequest(request, headers, body);
        const taken = await receive(request, us);
        const how = await peer.took(readFileSync(join(taken.work, 'payload.bin')));
        if (typeof how === 'object') {
          res.writeHead(how.status, { 'Content-Type': 'text/plain' }).end('not now');
          return;
        }
        // A refusal: openssl checks the signature against a certificate that is not ours, and says so in its MDN.
        const { response } = how === 'accept' ? taken : await receive(request, stranger);
        res.writeHead(response.status, response.headers).end(response.body);
      };
      const server = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          answer(req, res, Buffer.concat(chunks)).catch((e: Error) => res.writeHead(599).end(e.message));
        });
      });
      const port = await listening(server);
      const url = `http://127.0.0.1:${port}/as2`;
      const make = (over: Record<string, unknown> = {}) =>
        new As2Sender(
          as2SenderConfig.parse({
            url,
            as2From: 'OURGATEWAY',
            as2To: 'ACME-AS2',
            key: us.keyFile,
            certificate: us.certFile,
            partnerCertificates: [partner.certFile],
            sign: 'sha256',
            encrypt: 'aes256-cbc',
            mdn: { mode: 'sync', signed: true },
            ...over,
          }),
          { logger: quiet, clock: () => new Date() },
        );
      return {
        peer,
        sender: () => make(),
        endpoint: 'to ACME-AS2',
        refusal: 'processed/error: authentication-failed',
        misconfigured: () => {
          const gone = join(tmp.dir, 'gone.key.pem');
          return { sender: make({ key: gone }), names: `our AS2 key ${gone}` };
        },
        close: async () => {
          server.closeAllConnections();
          await new Promise((resolve) => server.close(resolve));
        },
      };
    });
  });
});
