/**
 * Every certificate and key that gateway.yaml and the partner files name, for the console's
 * certificates page: certificates with subject, issuer and expiry (read as `report --certificates`
 * reads them, through certificatesIn), keys by where they are used. A file that cannot be read is
 * listed with why, never left out.
 */
import { existsSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { keyFiles } from '../config/partner';
import { GatewayError } from '../errors';
import { certificatesIn } from './as2';
import type { PipelineView } from './context';

export interface InventoryEntry {
  /** `us` for the gateway's own, else the partner id. */
  owner: string;
  /** Where it is named: `identity.as2.certificate`, `endpoints.drop.sftp.key` … */
  usedAt: string;
  what: string;
  /** As written, relative to gateway.yaml's folder. */
  file: string;
  kind: 'certificate' | 'key' | 'unreadable';
  subject?: string;
  issuer?: string;
  notAfter?: string;
  daysLeft?: number;
  problem?: string;
}

const DAY = 86_400_000;
const CERTIFICATE_AT = /certificate|certificates|\bca\b/i;

export function certificateInventory(view: Pick<PipelineView, 'config' | 'partners' | 'clock'>): InventoryEntry[] {
  const { config } = view;
  const now = view.clock().getTime();
  const named: Array<{ owner: string; usedAt: string; what: string; file: string }> = [];
  const us = config.identity.as2;
  if (us) {
    named.push({ owner: 'us', usedAt: 'identity.as2.certificate', what: 'our AS2 certificate', file: us.certificate });
    named.push({ owner: 'us', usedAt: 'identity.as2.key', what: 'our AS2 private key', file: us.key });
  }
  if (config.as2?.tls) {
    named.push({
      owner: 'us',
      usedAt: 'as2.tls.certificate',
      what: 'our TLS certificate',
      file: config.as2.tls.certificate,
    });
    named.push({ owner: 'us', usedAt: 'as2.tls.key', what: 'our TLS private key', file: config.as2.tls.key });
  }
  if (config.sftp?.hostKey)
    named.push({ owner: 'us', usedAt: 'sftp.hostKey', what: 'our SFTP host key', file: config.sftp.hostKey });
  for (const p of view.partners.list())
    for (const f of keyFiles(p as unknown as Record<string, unknown>))
      named.push({ owner: p.id, usedAt: f.path.join('.'), what: f.what, file: f.file });

  const out: InventoryEntry[] = [];
  for (const n of named) {
    const full = resolve(config.dir, n.file);
    const base = { ...n, file: relative(config.dir, full) || n.file };
    const isCertificate = CERTIFICATE_AT.test(n.usedAt) || /certificate/i.test(n.what);
    if (!isCertificate) {
      out.push(existsSync(full) ? { ...base, kind: 'key' } : { ...base, kind: 'unreadable', problem: 'no such file' });
      continue;
    }
    try {
      for (const c of certificatesIn(full))
        out.push({
          ...base,
          kind: 'certificate',
          subject: c.subject,
          issuer: c.x509.issuer.replace(/\n/g, ', '),
          notAfter: c.notAfter.toISOString(),
          daysLeft: Math.floor((c.notAfter.getTime() - now) / DAY),
        });
    } catch (e) {
      out.push({
        ...base,
        kind: 'unreadable',
        problem: e instanceof GatewayError ? e.describe() : (e as Error).message,
      });
    }
  }
  return out;
}
