/** A raw HTTP POST for tests that play an AS2 partner: bytes out, status, headers and bytes back. */
import { request, type IncomingHttpHeaders } from 'node:http';

export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** Posts `body` with `headers`; a header given as '' is left out (curl's way of saying "send none"). */
export function post(url: string, headers: Record<string, string>, body: Buffer): Promise<Answer> {
  const sent = Object.fromEntries(Object.entries(headers).filter(([, v]) => v !== ''));
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { ...sent, 'Content-Length': String(body.length) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}
