import { generateKeyPairSync, randomBytes } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import forge from 'node-forge';
import { parseDocument } from 'yaml';
import { GatewayError } from '../../src/errors';
import { partnerFields } from '../../src/config/partner';
import { httpSender, redactUrl } from '../../src/transports/http/sender';
import { findOutbound, type Outbound, type TransportLogger } from '../../src/transports';
import { PushPeer, pushOutboundContract } from './contract';

const quiet: TransportLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

interface Received {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, body: Buffer) => void;

/** A real HTTP server on an ephemeral port that records every request it reads in full. */
async function startServer(
  handler: Handler = (_req, res) => {
    res.writeHead(200).end('ok');
  },
) {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      handler(req, res, body);
    });
  });
  // Every connection the server accepted, in order: how many requests came over it, and whether it is closed.
  const connections: { requests: number; closed: boolean }[] = [];
  const bySocket = new Map<Socket, { requests: number; closed: boolean }>();
  server.on('connection', (socket: Socket) => {
    const c = { requests: 0, closed: false };
    connections.push(c);
    bySocket.set(socket, c);
    socket.on('close', () => {
      c.closed = true;
    });
  });
  server.on('request', (req: http.IncomingMessage) => {
    bySocket.get(req.socket)!.requests++;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    received,
    connections,
    port,
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

let servers: { close(): Promise<void> }[] = [];
async function server(handler?: Handler) {
  const s = await startServer(handler);
  servers.push(s);
  return s;
}
let senders: Outbound[] = [];
afterEach(async () => {
  await Promise.all(senders.map((s) => s.close?.()));
  senders = [];
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

const sender = (config: Record<string, unknown>) => {
  const s = httpSender.create(httpSender.config.parse(config), { logger: quiet, clock: () => new Date() });
  senders.push(s);
  return s;
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await sleep(5);
}

/** A self-signed certificate for 127.0.0.1: a TLS server no normal certificate check trusts. */
function selfSigned(): { key: string; cert: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey);
  cert.serialNumber = '01';
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 3_600_000);
  cert.setSubject([{ name: 'commonName', value: '127.0.0.1' }]);
  cert.setIssuer([{ name: 'commonName', value: '127.0.0.1' }]);
  cert.setExtensions([{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }]);
  cert.sign(forge.pki.privateKeyFromPem(privateKey), forge.md.sha256.create());
  return { key: privateKey, cert: forge.pki.certificateToPem(cert) };
}

async function failure(p: Promise<unknown>): Promise<GatewayError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(GatewayError);
  return err as GatewayError;
}

describe('http sender: spec and config', () => {
  test('the registry binds kind http to the sender', () => {
    expect(findOutbound('http')).toBe(httpSender);
  });

  test('defaults to POST with a 30 s timeout, reads durations, refuses unknown keys', () => {
    expect(httpSender.config.parse({ url: 'https://erp.example/orders' })).toEqual({
      url: 'https://erp.example/orders',
      method: 'POST',
      timeout: 30_000,
    });
    expect(httpSender.config.parse({ url: 'http://x.example', timeout: '200ms' }).timeout).toBe(200);
    expect(httpSender.config.safeParse({ url: 'http://x.example', bogus: 1 }).success).toBe(false);
    expect(httpSender.config.safeParse({ url: 'ftp://x.example' }).success).toBe(false);
    expect(httpSender.config.safeParse({ url: 'http://x.example', method: 'GET' }).success).toBe(false);
    expect(httpSender.config.safeParse({ url: 'http://x.example', timeout: 0 }).success).toBe(false);
  });

  test("a partner file's http endpoint is a valid sender config as it stands", () => {
    const doc = parseDocument(`
id: acme
identifiers: { x12: [{ qualifier: ZZ, id: ACME }] }
endpoints:
  erp-orders: { http: { url: 'http://127.0.0.1:9000/orders', method: PUT, headers: { X-Tenant: acme }, token: abc } }
`).toJS();
    const partner = partnerFields.parse(doc);
    const endpoint = partner.endpoints?.['erp-orders']?.http;
    expect(httpSender.config.parse(endpoint)).toEqual({
      url: 'http://127.0.0.1:9000/orders',
      method: 'PUT',
      headers: { 'X-Tenant': 'acme' },
      token: 'abc',
      timeout: 30_000,
    });
  });

  test('refuses headers the request owns, invalid header values, and a token beside an Authorization header', () => {
    expect(httpSender.config.safeParse({ url: 'http://x.example', headers: { 'Content-Length': '3' } }).success).toBe(
      false,
    );
    expect(
      httpSender.config.safeParse({ url: 'http://x.example', headers: { 'X-EDI-Gateway-File': 'a' } }).success,
    ).toBe(false);
    expect(
      httpSender.config.safeParse({ url: 'http://x.example', headers: { 'X-A': 'one\r\nX-B: two' } }).success,
    ).toBe(false);
    expect(httpSender.config.safeParse({ url: 'http://x.example', headers: { 'bad name': 'v' } }).success).toBe(false);
    expect(
      httpSender.config.safeParse({ url: 'http://x.example', token: 't', headers: { authorization: 'Basic x' } })
        .success,
    ).toBe(false);
  });

  test('redactUrl hides passwords and credential-like query values', () => {
    expect(redactUrl('https://gw:s3cret@erp.example/in?code=abc&tenant=acme&sig=xyz')).toBe(
      'https://gw:***@erp.example/in?code=***&tenant=acme&sig=***',
    );
    expect(redactUrl('http://erp.example/orders')).toBe('http://erp.example/orders');
  });
});

describe('http sender: delivery', () => {
  test('body and headers arrive byte-identical, a 1 MB binary body included', async () => {
    const s = await server();
    const bytes = randomBytes(1024 * 1024);
    const result = await sender({ url: `${s.url}/orders?batch=7`, headers: { 'X-Tenant': 'acme' } }).send({
      bytes,
      fileName: 'po-0001.edi',
      contentType: 'application/edi-x12',
    });
    expect(result).toEqual({ remoteName: `${s.url}/orders?batch=7` });
    expect(s.received).toHaveLength(1);
    const [r] = s.received;
    expect(r.method).toBe('POST');
    expect(r.url).toBe('/orders?batch=7');
    expect(r.body.equals(bytes)).toBe(true);
    expect(r.headers['content-type']).toBe('application/edi-x12');
    expect(r.headers['content-length']).toBe(String(bytes.length));
    expect(r.headers['x-edi-gateway-file']).toBe('po-0001.edi');
    expect(r.headers['x-tenant']).toBe('acme');
    expect(r.headers.authorization).toBeUndefined();
  });

  test('EDI text with every byte value that matters (CR, LF, NUL, latin-1) is not re-encoded', async () => {
    const s = await server();
    const bytes = Buffer.concat([
      Buffer.from("UNA:+.? 'UNB+UNOC:3+M\xdcLLER'\r\n", 'latin1'),
      Buffer.from([0, 0xff, 0xfe, 0x0d, 0x0a]),
    ]);
    await sender({ url: s.url, method: 'PUT' }).send({
      bytes,
      fileName: 'orders.edi',
      contentType: 'application/edifact',
    });
    expect(s.received[0].method).toBe('PUT');
    expect(s.received[0].body.equals(bytes)).toBe(true);
    expect(s.received[0].headers['content-type']).toBe('application/edifact');
  });

  test('without a content type the body goes as application/octet-stream; an endpoint header overrides it', async () => {
    const s = await server();
    await sender({ url: s.url }).send({ bytes: Buffer.from('x'), fileName: 'a.bin' });
    await sender({ url: s.url, headers: { 'content-type': 'text/plain' } }).send({
      bytes: Buffer.from('x'),
      fileName: 'a.txt',
      contentType: 'application/json',
    });
    expect(s.received.map((r) => r.headers['content-type'])).toEqual(['application/octet-stream', 'text/plain']);
  });

  test('a token is sent as a bearer token', async () => {
    const s = await server();
    await sender({ url: s.url, method: 'PATCH', token: 'tok-123' }).send({
      bytes: Buffer.from('{}'),
      fileName: 'po.json',
      contentType: 'application/json',
    });
    expect(s.received[0].method).toBe('PATCH');
    expect(s.received[0].headers.authorization).toBe('Bearer tok-123');
  });

  test('credentials in the URL become Basic authentication and never appear in what is returned', async () => {
    const s = await server();
    const r = await sender({ url: `http://gw:p%40ss@127.0.0.1:${s.port}/in` }).send({
      bytes: Buffer.from('x'),
      fileName: 'po.edi',
    });
    expect(s.received[0].headers.authorization).toBe(`Basic ${Buffer.from('gw:p@ss').toString('base64')}`);
    expect(r.remoteName).toBe(`http://gw:***@127.0.0.1:${s.port}/in`);
  });

  test('a file name outside visible ASCII travels percent-encoded', async () => {
    const s = await server();
    await sender({ url: s.url }).send({ bytes: Buffer.from('x'), fileName: 'Müller\nPO.edi' });
    expect(s.received[0].headers['x-edi-gateway-file']).toBe('M%C3%BCller%0APO.edi');
  });

  test('a 201 with Location names what the server created', async () => {
    const s = await server((_req, res) => {
      res.writeHead(201, { Location: '/orders/42' }).end();
    });
    expect(await sender({ url: `${s.url}/orders` }).send({ bytes: Buffer.from('x'), fileName: 'po.edi' })).toEqual({
      remoteName: `${s.url}/orders/42`,
    });
  });

  test('a malformed Location does not turn a delivery into a failure', async () => {
    const s = await server((_req, res) => {
      res.writeHead(201, { Location: 'http://[not-a-host' }).end();
    });
    expect(await sender({ url: `${s.url}/orders` }).send({ bytes: Buffer.from('x'), fileName: 'po.edi' })).toEqual({
      remoteName: `${s.url}/orders`,
    });
  });
});

describe('http sender: failures', () => {
  test('500 retries, with the status and the first 200 characters of the answer in the message', async () => {
    const s = await server((_req, res) => {
      res.writeHead(500).end(`database down\n${'x'.repeat(1000)}`);
    });
    const err = await failure(sender({ url: `${s.url}/orders` }).send({ bytes: Buffer.from('x'), fileName: 'po.edi' }));
    expect(err.code).toBe('EDIGW_HTTP_SERVER');
    expect(err.kind).toBe('retry');
    const excerpt = `database down ${'x'.repeat(186)}`;
    expect(excerpt).toHaveLength(200);
    expect(err.message).toBe(
      `sending po.edi by POST to ${s.url}/orders: HTTP 500 ${JSON.stringify(excerpt)}: the server failed or is busy`,
    );
  });

  test.each([429, 408, 503])('%i retries', async (status) => {
    const s = await server((_req, res) => {
      res.writeHead(status).end('slow down');
    });
    const err = await failure(sender({ url: s.url }).send({ bytes: Buffer.from('x'), fileName: 'po.edi' }));
    expect([err.code, err.kind]).toEqual(['EDIGW_HTTP_SERVER', 'retry']);
    expect(err.message).toContain(`HTTP ${status} "slow down"`);
  });

  test.each([404, 400, 401, 413])('%i is dead: the same request will be refused again', async (status) => {
    const s = await server((_req, res) => {
      res.writeHead(status, { 'content-type': 'application/json' }).end('{"error":"no"}');
    });
    const err = await failure(sender({ url: `${s.url}/nope` }).send({ bytes: Buffer.from('x'), fileName: 'po.edi' }));
    expect([err.code, err.kind]).toEqual(['EDIGW_HTTP_REJECTED', 'dead']);
    expect(err.message).toBe(
      `sending po.edi by POST to ${s.url}/nope: HTTP ${status} "{\\"error\\":\\"no\\"}": the server refused the request`,
    );
  });

  test('a closed port retries as unreachable', async () => {
    const s = await startServer();
    await s.close();
    const err = await failure(sender({ url: `${s.url}/orders` }).send({ bytes: Buffer.from('x'), fileName: 'po.edi' }));
    expect([err.code, err.kind]).toEqual(['EDIGW_HTTP_UNREACHABLE', 'retry']);
    expect(err.message).toBe(
      `sending po.edi by POST to ${s.url}/orders: connection refused: the server is not reachable`,
    );
  });

  test('a server that never answers times out after the configured time and retries', async () => {
    const s = await server(() => undefined);
    // The message names the configured 200 ms: that timer, not a default one, ended the wait.
    const err = await failure(
      sender({ url: s.url, timeout: '200ms' }).send({ bytes: Buffer.from('x'), fileName: 'po.edi' }),
    );
    expect([err.code, err.kind]).toEqual(['EDIGW_HTTP_UNREACHABLE', 'retry']);
    expect(err.message).toContain('no answer within 200 ms');
  });

  test('a connection the server drops retries', async () => {
    const s = await server((req) => {
      req.socket.destroy();
    });
    const err = await failure(sender({ url: s.url }).send({ bytes: Buffer.from('x'), fileName: 'po.edi' }));
    expect([err.code, err.kind]).toEqual(['EDIGW_HTTP_UNREACHABLE', 'retry']);
  });

  test('an unknown host retries as unreachable', async () => {
    const err = await failure(
      sender({ url: 'http://no-such-host.invalid/orders', timeout: '10s' }).send({
        bytes: Buffer.from('x'),
        fileName: 'po.edi',
      }),
    );
    expect([err.code, err.kind]).toEqual(['EDIGW_HTTP_UNREACHABLE', 'retry']);
  });

  test('a port fetch refuses to use is dead: no retry will change it', async () => {
    const err = await failure(
      sender({ url: 'http://127.0.0.1:6000/orders' }).send({ bytes: Buffer.from('x'), fileName: 'po.edi' }),
    );
    expect([err.code, err.kind]).toEqual(['EDIGW_HTTP_REQUEST_INVALID', 'dead']);
    expect(err.message).toBe(
      'sending po.edi by POST to http://127.0.0.1:6000/orders: bad port: the request cannot be made as configured',
    );
  });

  test('TLS to a server that speaks plain HTTP is a TLS failure, retried', async () => {
    const s = await server();
    const err = await failure(
      sender({ url: `https://127.0.0.1:${s.port}/` }).send({ bytes: Buffer.from('x'), fileName: 'po.edi' }),
    );
    expect([err.code, err.kind]).toEqual(['EDIGW_HTTP_TLS', 'retry']);
  });

  test.each([301, 302, 307, 308])('a %i redirect is not followed: dead, naming where it points', async (status) => {
    const s = await server((req, res) => {
      if (req.url === '/old') res.writeHead(status, { Location: '/new' }).end('moved');
      else res.writeHead(200).end('ok');
    });
    const err = await failure(
      sender({ url: `${s.url}/old`, token: 'tok' }).send({ bytes: Buffer.from('x'), fileName: 'po.edi' }),
    );
    expect([err.code, err.kind]).toEqual(['EDIGW_HTTP_REDIRECTED', 'dead']);
    expect(err.message).toContain(`HTTP ${status} "moved" (Location: ${s.url}/new)`);
    expect(s.received.map((r) => r.url)).toEqual(['/old']);
  });

  test('credentials never appear in an error message', async () => {
    const s = await server((_req, res) => {
      res.writeHead(403).end('forbidden');
    });
    const err = await failure(
      sender({ url: `http://gw:s3cret@127.0.0.1:${s.port}/in?code=k3y`, token: 't0ken' }).send({
        bytes: Buffer.from('x'),
        fileName: 'po.edi',
      }),
    );
    expect(err.message).toBe(
      `sending po.edi by POST to http://gw:***@127.0.0.1:${s.port}/in?code=***: HTTP 403 "forbidden": the server refused the request`,
    );
    expect(err.describe()).not.toMatch(/s3cret|k3y|t0ken/);
  });

  test.each([200, 500])(
    'an endless answer (%i) is cancelled, not read to the end, and its connection is closed',
    async (status) => {
      let closed!: () => void;
      const connectionClosed = new Promise<void>((resolve) => {
        closed = resolve;
      });
      const s = await server((_req, res) => {
        res.writeHead(status, { 'content-type': 'text/plain' });
        const chunk = Buffer.alloc(64 * 1024, 'y');
        const timer = setInterval(() => res.write(chunk), 5);
        res.on('close', () => {
          clearInterval(timer);
          closed();
        });
      });
      const sending = sender({ url: s.url, timeout: '10s' }).send({ bytes: Buffer.from('x'), fileName: 'po.edi' });
      if (status === 200) await expect(sending).resolves.toEqual({ remoteName: s.url });
      else expect((await failure(sending)).message).toContain(`HTTP 500 "${'y'.repeat(200)}"`);
      await connectionClosed;
    },
  );
});

describe('http sender: connections', () => {
  const item = (name = 'po.edi') => ({ bytes: Buffer.from('x'), fileName: name });

  test('requests share one kept-alive connection, error answers included; close() closes it', async () => {
    const s = await server((req, res) => {
      if (req.url === '/fail') res.writeHead(500).end('busy');
      else res.writeHead(200).end('ok');
    });
    const out = sender({ url: s.url });
    const failing = sender({ url: `${s.url}/fail` });
    await out.send(item('a.edi'));
    await out.send(item('b.edi'));
    expect((await failure(failing.send(item('c.edi')))).code).toBe('EDIGW_HTTP_SERVER');
    expect((await failure(failing.send(item('d.edi')))).code).toBe('EDIGW_HTTP_SERVER');
    await out.send(item('e.edi'));
    expect(s.connections.map((c) => c.requests)).toEqual([3, 2]);
    expect(s.connections.some((c) => c.closed)).toBe(false);
    await out.close?.();
    await failing.close?.();
    await until(() => s.connections.every((c) => c.closed));
  });

  test('a connection the server closed while idle (a short keep-alive timeout) is not used again', async () => {
    const s = await server();
    s.server.keepAliveTimeout = 50;
    const out = sender({ url: s.url });
    await expect(out.send(item('a.edi'))).resolves.toEqual({ remoteName: s.url });
    await until(() => s.connections[0]?.closed === true); // the server's keep-alive timeout closed it
    await expect(out.send(item('b.edi'))).resolves.toEqual({ remoteName: s.url });
    expect(s.received.map((r) => r.headers['x-edi-gateway-file'])).toEqual(['a.edi', 'b.edi']);
    expect(s.connections.map((c) => c.requests)).toEqual([1, 1]);
  });

  test('a pooled connection closed as a request goes out on it: sent again at once, once, on a new connection', async () => {
    // The keep-alive race, made certain: the server closes a connection when a second request arrives on it, without answering.
    const answered = new Set<Socket>();
    const s = await server((req, res) => {
      if (answered.has(req.socket)) req.socket.destroy();
      else {
        answered.add(req.socket);
        res.writeHead(200).end('ok');
      }
    });
    const out = sender({ url: s.url });
    await expect(out.send(item('a.edi'))).resolves.toEqual({ remoteName: s.url });
    await expect(out.send(item('b.edi'))).resolves.toEqual({ remoteName: s.url });
    expect(s.received.map((r) => r.headers['x-edi-gateway-file'])).toEqual(['a.edi', 'b.edi', 'b.edi']);
    expect(s.connections.map((c) => c.requests)).toEqual([2, 1]);
  });

  test('the resend is made once: a new connection dropped as well is a failure to retry later', async () => {
    let first = true;
    const s = await server((req, res) => {
      if (first) res.writeHead(200).end('ok');
      else req.socket.destroy();
      first = false;
    });
    const out = sender({ url: s.url });
    await out.send(item('a.edi'));
    const err = await failure(out.send(item('b.edi')));
    expect([err.code, err.kind]).toEqual(['EDIGW_HTTP_UNREACHABLE', 'retry']);
    expect(err.message).toBe(`sending b.edi by POST to ${s.url}: connection reset: the server is not reachable`);
    expect(s.received).toHaveLength(3);
    // A first request on a connection that is dropped is not sent again within the send: the server may have taken it.
    const err2 = await failure(out.send(item('c.edi')));
    expect(err2.code).toBe('EDIGW_HTTP_UNREACHABLE');
    expect(s.received).toHaveLength(4);
  });

  test('the timeout also bounds reading an error answer: what arrived is in the message', async () => {
    const s = await server((_req, res) => {
      res.writeHead(503);
      res.write('partial answer');
    });
    const err = await failure(sender({ url: s.url, timeout: '300ms' }).send(item()));
    expect([err.code, err.kind]).toEqual(['EDIGW_HTTP_SERVER', 'retry']);
    expect(err.message).toContain('HTTP 503 "partial answer"');
  });

  test('a 2xx whose body never ends is still a delivery, and its connection is closed at the deadline', async () => {
    const s = await server((_req, res) => {
      res.writeHead(200);
      res.write('working on it');
    });
    await expect(sender({ url: s.url, timeout: '300ms' }).send(item())).resolves.toEqual({ remoteName: s.url });
    await until(() => s.connections[0].closed);
  });

  test('a header value that cannot be sent is dead and nothing is sent; the config refuses such values', async () => {
    const s = await server();
    const err = await failure(
      sender({ url: s.url }).send({ bytes: Buffer.from('x'), fileName: 'po.edi', contentType: 'text/plain\u0001' }),
    );
    expect([err.code, err.kind]).toEqual(['EDIGW_HTTP_REQUEST_INVALID', 'dead']);
    expect(err.message).toMatch(
      /^sending po\.edi by POST to http:\/\/127\.0\.0\.1:\d+: Invalid character in header content \["content-type"\]/,
    );
    expect(s.received).toHaveLength(0);
    expect(httpSender.config.safeParse({ url: 'http://x.example', headers: { 'X-A': 'a\u0001b' } }).success).toBe(
      false,
    );
    expect(
      httpSender.config.safeParse({ url: 'http://x.example', headers: { 'X-A': 'M\u00fcller', 'X-B': ' padded\t' } })
        .success,
    ).toBe(true);
  });

  test('https checks the server certificate: a self-signed one is a TLS failure, retried', async () => {
    const tls = https.createServer(selfSigned(), (_req, res) => {
      res.writeHead(200).end('ok');
    });
    await new Promise<void>((resolve) => tls.listen(0, '127.0.0.1', resolve));
    servers.push({
      close: async () => {
        tls.closeAllConnections();
        await new Promise((resolve) => tls.close(resolve));
      },
    });
    const err = await failure(
      sender({ url: `https://127.0.0.1:${(tls.address() as AddressInfo).port}/in` }).send(item()),
    );
    expect([err.code, err.kind]).toEqual(['EDIGW_HTTP_TLS', 'retry']);
    expect(err.message).toContain(': DEPTH_ZERO_SELF_SIGNED_CERT: ');
  });
});

// The shared outbound contract, against a real HTTP server on loopback that answers as the contract's peer says.
pushOutboundContract('http sender', async () => {
  const peer = new PushPeer();
  const s = await startServer((_req, res, body) => {
    void peer.took(body).then((answer) => {
      if (answer === 'accept') res.writeHead(201, { Location: '/orders/77' }).end('created');
      else if (answer === 'refuse') res.writeHead(422, { 'Content-Type': 'text/plain' }).end('PO number missing');
      else res.writeHead(answer.status, { 'Content-Type': 'text/plain' }).end('not now');
    });
  });
  const make = (url: string) =>
    httpSender.create(httpSender.config.parse({ url }), { logger: quiet, clock: () => new Date() });
  return {
    peer,
    sender: () => make(`${s.url}/orders`),
    endpoint: `${s.url}/orders`,
    refusal: 'HTTP 422 "PO number missing"',
    // Port 25 is SMTP's: the schema takes any port, sending refuses this one.
    misconfigured: () => ({ sender: make('http://127.0.0.1:25/orders'), names: '127.0.0.1:25/orders: bad port' }),
    close: () => s.close(),
  };
});
