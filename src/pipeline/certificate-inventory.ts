/**
 * Every certificate and key that gateway.yaml and the partner files name, for the console's
 * certificates page: certificates with subject, issuer and expiry (read as `report --certificates`
 * reads them, through certificatesIn), keys by where they are used, each read as the transport that
 * uses it reads it. A file that cannot be read or used is listed with why, never left out.
 */
import { existsSync, readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { keyFiles, reasonOf } from '../config/partner';
import { gatewayFiles } from '../config/partners';
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
  /** What the file is meant to hold, readable or not: which table the console lists it in. */
  holds: 'certificate' | 'key';
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
  const named: Array<{ owner: string; usedAt: string; what: string; file: string; read(b: Buffer): void }> = [];
  const add = (owner: string, f: { path: Array<string | number>; what: string; file: string; read(b: Buffer): void }) =>
    named.push({ owner, usedAt: f.path.join('.'), what: f.what, file: f.file, read: f.read });
  for (const f of gatewayFiles(config)) add('us', f);
  for (const p of view.partners.list()) for (const f of keyFiles(p as unknown as Record<string, unknown>)) add(p.id, f);

  const out: InventoryEntry[] = [];
  for (const { read, ...n } of named) {
    const full = resolve(config.dir, n.file);
    const holds = CERTIFICATE_AT.test(n.usedAt) || /certificate/i.test(n.what) ? 'certificate' : 'key';
    const base = { ...n, file: relative(config.dir, full) || n.file, holds } as const;
    if (!existsSync(full)) {
      out.push({ ...base, kind: 'unreadable', problem: 'no such file' });
      continue;
    }
    try {
      if (holds === 'key') {
        read(readFileSync(full));
        out.push({ ...base, kind: 'key' });
        continue;
      }
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
        problem: e instanceof GatewayError ? e.describe() : reasonOf(e),
      });
    }
  }
  return out;
}
