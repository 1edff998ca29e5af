/**
 * The connectivity check of a partner (`POST /api/partners/:id/check`): for each endpoint and poll
 * entry that reaches the partner over the network, one bounded probe with what it found. AS2: any
 * HTTP answer means reachable (an AS2 URL answers a GET with 200, 405 or 404 alike); SFTP and FTP:
 * log in and list the configured folder. Nothing is sent, taken or moved.
 */
import http from 'node:http';
import https from 'node:https';
import type { TLSSocket } from 'node:tls';
import type { LoadedPartner } from '../config/partners';
import { endpointKind } from '../config/partner';
import { inboundTransports } from '../config/partner';
import { GatewayError } from '../errors';
import { redactUrl } from '../redact-url';
import { findOutbound } from '../transports';
import { connectFtp, type FtpConnection } from '../transports/ftp/client';
import { remoteUrl, type RemoteSession } from '../transports/remote/files';
import { connectSftp, type SftpConnection } from '../transports/sftp/client';
import type { PipelineView } from './context';
import { transportConfig } from './transport-settings';

/** Each probe's bound, whatever the endpoint's own (longer) timeout: an operator waits for the answer. */
export const CHECK_TIMEOUT_MS = 10_000;

export interface EndpointCheck {
  /** `endpoints.NAME` or `inbound.poll.N`, as the partner file says it. */
  at: string;
  kind: string;
  /** Where it went; no password, no secret query value. */
  target: string;
  ok: boolean;
  /** One sentence for people: what answered, or what failed. */
  result: string;
  ms: number;
  /** AS2: the HTTP status that answered. */
  status?: number;
  /** AS2 over https: whether the server's certificate was trusted, and until when it is valid. */
  tls?: { authorized: boolean; error?: string; notAfter?: string };
  /** SFTP and FTP: files in the listed folder. */
  files?: number;
  error?: { code: string; message: string };
}

export interface PartnerCheck {
  partner: string;
  checkedAt: string;
  ok: boolean;
  endpoints: EndpointCheck[];
}

type Probe = () => Promise<Omit<EndpointCheck, 'at' | 'kind' | 'target' | 'ms'>>;

/** Runs every probe of the partner at once; each is bounded by CHECK_TIMEOUT_MS. */
export async function checkPartner(view: Pick<PipelineView, 'config'>, partner: LoadedPartner): Promise<PartnerCheck> {
  const probes: Array<{ at: string; kind: string; target: string; run: Probe }> = [];
  for (const [name, endpoint] of Object.entries(partner.endpoints ?? {})) {
    const kind = endpointKind(endpoint);
    const at = `endpoints.${name}`;
    const section = (endpoint as Record<string, unknown>)[kind];
    const spec = findOutbound(kind);
    if (!spec || !['as2', 'sftp', 'ftp'].includes(kind)) continue;
    let config: Record<string, unknown>;
    try {
      config = transportConfig(view.config, partner, spec, section, ['endpoints', name, kind]) as Record<
        string,
        unknown
      >;
    } catch (e) {
      probes.push({ at, kind, target: '(not configured)', run: async () => refused(e) });
      continue;
    }
    if (kind === 'as2') {
      const url = String(config.url);
      probes.push({ at, kind, target: redactUrl(url), run: () => probeHttp(url) });
    } else {
      probes.push(remoteProbe(at, kind, config));
    }
  }
  for (const t of inboundTransports(partner)) {
    if (t.spec.kind !== 'sftp-poll' && t.spec.kind !== 'ftp-poll') continue;
    const at = t.path.slice(0, -1).join('.');
    try {
      const config = transportConfig(view.config, partner, t.spec, t.section, t.path) as Record<string, unknown>;
      probes.push(remoteProbe(at, t.spec.kind, config));
    } catch (e) {
      probes.push({ at, kind: t.spec.kind, target: '(not configured)', run: async () => refused(e) });
    }
  }
  const endpoints = await Promise.all(
    probes.map(async (p) => {
      const started = Date.now();
      const r = await p.run();
      return { at: p.at, kind: p.kind, target: p.target, ...r, ms: Date.now() - started };
    }),
  );
  return {
    partner: partner.id,
    checkedAt: new Date().toISOString(),
    ok: endpoints.every((e) => e.ok),
    endpoints,
  };
}

function refused(e: unknown): Omit<EndpointCheck, 'at' | 'kind' | 'target' | 'ms'> {
  const err = e instanceof GatewayError ? e : new GatewayError('EDIGW_TRANSPORT_CONFIG_INVALID', 'check', { cause: e });
  return {
    ok: false,
    result: `not checked: ${err.message}`,
    error: { code: err.code, message: err.message },
  };
}

function remoteProbe(
  at: string,
  kind: string,
  config: Record<string, unknown>,
): { at: string; kind: string; target: string; run: Probe } {
  const sftp = kind.startsWith('sftp');
  const timeout = Math.min(Number(config.timeout ?? CHECK_TIMEOUT_MS), CHECK_TIMEOUT_MS);
  const dir = String(config.dir);
  const address = { protocol: sftp ? ('sftp' as const) : ('ftp' as const), ...hostOf(config, sftp) };
  return {
    at,
    kind,
    target: remoteUrl(address, dir),
    run: async () => {
      let session: RemoteSession | undefined;
      try {
        session = await withDeadline<RemoteSession>(
          sftp
            ? connectSftp({ ...(config as unknown as SftpConnection), timeout })
            : connectFtp({ ...(config as unknown as FtpConnection), timeout }),
          timeout,
          `logging in to ${remoteUrl(address)}`,
          (late) => void late.close().catch(() => undefined),
        );
        const files = await withDeadline(
          session.listFiles(dir, () => true),
          timeout,
          `listing ${remoteUrl(address, dir)}`,
        );
        return {
          ok: true,
          result: `logged in and listed ${dir}: ${files.length} file${files.length === 1 ? '' : 's'}`,
          files: files.length,
        };
      } catch (e) {
        const err = e instanceof GatewayError ? e : new GatewayError('EDIGW_CHECK_FAILED', `${at}`, { cause: e });
        return { ok: false, result: err.message, error: { code: err.code, message: err.message } };
      } finally {
        await session?.close().catch(() => undefined);
      }
    },
  };
}

function hostOf(config: Record<string, unknown>, sftp: boolean): { host: string; port: number; user: string } {
  return {
    host: String(config.host),
    port: Number(config.port ?? (sftp ? 22 : 21)),
    user: String(config.user),
  };
}

/** A promise that settles by `ms` at the latest; what resolves after the deadline is handed to `late` to be let go. */
function withDeadline<T>(p: Promise<T>, ms: number, doing: string, late?: (v: T) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let over = false;
    const timer = setTimeout(() => {
      over = true;
      reject(new GatewayError('EDIGW_CHECK_FAILED', `${doing}: no answer within ${ms / 1000}s`));
    }, ms);
    p.then(
      (v) => {
        clearTimeout(timer);
        if (over) late?.(v);
        else resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        if (!over) reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

const TLS_CODE = /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_|HOSTNAME|ALTNAME/;

/** One GET with the endpoint's TLS rules (certificates verified); any answer is reachable. */
function probeHttp(url: string): ReturnType<Probe> {
  const target = redactUrl(url);
  return new Promise((resolve) => {
    let tls: EndpointCheck['tls'];
    let settled = false;
    const done = (r: Awaited<ReturnType<Probe>>) => {
      if (settled) return;
      settled = true;
      resolve(r);
    };
    const u = new URL(url);
    const get = u.protocol === 'https:' ? https.get : http.get;
    const req = get(url, { timeout: CHECK_TIMEOUT_MS, agent: false, headers: { 'User-Agent': 'edi-gateway check' } });
    req.on('socket', (socket) => {
      socket.once('secureConnect', () => {
        const s = socket as TLSSocket;
        const cert = s.getPeerCertificate();
        tls = {
          authorized: s.authorized,
          ...(cert?.valid_to ? { notAfter: new Date(cert.valid_to).toISOString() } : {}),
        };
      });
    });
    req.on('response', (res) => {
      res.resume();
      done({
        ok: true,
        status: res.statusCode,
        result: `reachable: ${target} answered HTTP ${res.statusCode}${tls ? ' over trusted TLS' : ''}`,
        ...(tls ? { tls } : {}),
      });
      req.destroy();
    });
    req.on('timeout', () => {
      req.destroy(new GatewayError('EDIGW_CHECK_FAILED', `${target}: no answer within ${CHECK_TIMEOUT_MS / 1000}s`));
    });
    req.on('error', (e: Error & { code?: string }) => {
      const code = e instanceof GatewayError ? e.code : 'EDIGW_CHECK_FAILED';
      const tlsError = e.code !== undefined && TLS_CODE.test(e.code);
      const message =
        e instanceof GatewayError
          ? e.message
          : `${tlsError ? 'TLS refused' : 'not reachable'}: ${target}: ${e.code ? `${e.code} ` : ''}${e.message}`;
      done({
        ok: false,
        result: message,
        error: { code, message },
        ...(tlsError ? { tls: { authorized: false, error: e.code } } : {}),
      });
    });
  });
}
