/**
 * The connectivity check of an HTTP(S) URL: one GET with the endpoint's TLS rules (certificates
 * verified), through the one request core (./request.ts). Any answer means reachable: an AS2 URL
 * answers a GET with 200, 405 or 404 alike.
 */
import type { TLSSocket } from 'node:tls';
import { GatewayError } from '../../errors';
import { redactUrl } from '../../redact-url';
import type { Probe, ProbeFinding } from '../spec';
import { errCode, requestFor, requestTarget, sendRequest } from './request';

/** Node's codes for a certificate or handshake that TLS refused. */
const TLS_CODE = /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_|HOSTNAME|ALTNAME/;

export function httpProbe(url: string, timeoutMs: number): Probe {
  const target = redactUrl(url);
  return { target, run: () => probe(url, target, timeoutMs) };
}

async function probe(url: string, target: string, timeoutMs: number): Promise<ProbeFinding> {
  const u = new URL(url);
  const sent = await sendRequest({
    request: requestFor(u),
    options: { ...requestTarget(u), method: 'GET', headers: { 'User-Agent': 'edi-gateway check' } },
    body: Buffer.alloc(0),
    agent: false,
    deadline: Date.now() + timeoutMs,
  });
  if ('res' in sent) {
    const { res } = sent;
    const socket = res.socket as TLSSocket | null;
    const cert = typeof socket?.getPeerCertificate === 'function' ? socket.getPeerCertificate() : undefined;
    const tls = cert
      ? {
          authorized: socket!.authorized,
          ...(cert.valid_to ? { notAfter: new Date(cert.valid_to).toISOString() } : {}),
        }
      : undefined;
    res.resume();
    res.destroy();
    return {
      ok: true,
      status: res.statusCode,
      result: `reachable: ${target} answered HTTP ${res.statusCode}${tls ? ' over trusted TLS' : ''}`,
      ...(tls ? { tls } : {}),
    };
  }
  if (sent.failure === 'timeout') {
    const e = new GatewayError('EDIGW_CHECK_FAILED', `${target}: no answer within ${timeoutMs / 1000}s`);
    return { ok: false, result: e.message, error: { code: e.code, message: e.message } };
  }
  const code = errCode(sent.err);
  const tlsError = code !== undefined && TLS_CODE.test(code);
  const message = `${tlsError ? 'TLS refused' : 'not reachable'}: ${target}: ${code ? `${code} ` : ''}${(sent.err as Error).message}`;
  return {
    ok: false,
    result: message,
    error: { code: 'EDIGW_CHECK_FAILED', message },
    ...(tlsError ? { tls: { authorized: false, error: code } } : {}),
  };
}
