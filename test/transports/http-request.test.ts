import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { GatewayError } from '../../src/errors';
import { post } from '../../src/transports/as2/http-client';
import { httpSender } from '../../src/transports/http/sender';

/** One HTTP client: the http sender and AS2's POST fail alike, in the same words. */
describe('http request core shared by the http sender and AS2', () => {
  const failure = (p: Promise<unknown>) =>
    p.then(
      () => {
        throw new Error('expected a failure');
      },
      (e: unknown) => e as GatewayError,
    );
  const send = (url: string) =>
    httpSender
      .create(httpSender.config.parse({ url, timeout: '200ms' }), {
        logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
        clock: () => new Date(),
      })
      .send({ bytes: Buffer.from('x'), fileName: 'po.edi' });
  const as2 = (url: string) =>
    post({ url, headers: {}, body: Buffer.from('x'), timeoutMs: 200, context: 'sending m1' });

  test('a closed port: both retry, saying the connection was refused', async () => {
    const s = http.createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(s.address() as AddressInfo).port}/as2`;
    await new Promise<void>((r) => s.close(() => r()));
    for (const err of [await failure(send(url)), await failure(as2(url))]) {
      expect([err.code, err.kind]).toEqual(['EDIGW_HTTP_UNREACHABLE', 'retry']);
      expect(err.message).toMatch(/: connection refused: the server is not reachable$/);
      expect(err.message).toContain(url);
    }
  });

  test('a server that never answers: both time out after the configured time, saying so', async () => {
    const s = http.createServer(() => undefined);
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(s.address() as AddressInfo).port}/as2`;
    try {
      for (const err of [await failure(send(url)), await failure(as2(url))]) {
        expect([err.code, err.kind]).toEqual(['EDIGW_HTTP_UNREACHABLE', 'retry']);
        expect(err.message).toContain('no answer within 200 ms');
      }
    } finally {
      s.closeAllConnections();
      await new Promise<void>((r) => s.close(() => r()));
    }
  });
});
