/**
 * A transport's config from a partner file's section: the spec turns the section into its config
 * (local paths made absolute, what the gateway adds), and the spec's own schema checks it. What it
 * refuses then is a configuration error, located in the partner file, that no retry mends.
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import type { z } from 'zod';
import type { GatewayConfig } from '../config/gateway';
import { type LoadedPartner, locator } from '../config/partners';
import { formatIssue } from '../config/yaml';
import { GatewayError } from '../errors';
import type { InboundSpec, OutboundSpec, SettingsContext } from '../transports';

/**
 * Where partners POST async MDNs to us: EDI_GATEWAY_AS2_URL when set, else gateway.yaml `as2.url` (the
 * address partners know, in front of any proxy), else this host's name with the listener's port and path.
 */
export function ourAs2Url(config: GatewayConfig, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const set = env.EDI_GATEWAY_AS2_URL?.trim();
  if (set) return set;
  if (!config.as2) return undefined;
  if (config.as2.url) return config.as2.url;
  return `${config.as2.tls ? 'https' : 'http'}://${hostname()}:${config.as2.port}${config.as2.path}`;
}

/** The partner's certificates.as2 files, absolute, the one to encrypt with first. */
export function partnerCertificateFiles(config: GatewayConfig, partner: LoadedPartner): string[] {
  const c = partner.certificates?.as2;
  return (c === undefined ? [] : [c].flat()).map((f) => resolve(config.dir, f));
}

/** What the gateway knows that a partner's transports may need. */
export function settingsContext(config: GatewayConfig, partner: LoadedPartner): SettingsContext {
  const us = config.identity.as2;
  return {
    base: config.dir,
    partner: { id: partner.id, as2: partner.identifiers.as2, certificates: partnerCertificateFiles(config, partner) },
    us: {
      ...(us
        ? { as2: { id: us.id, key: resolve(config.dir, us.key), certificate: resolve(config.dir, us.certificate) } }
        : {}),
      as2Url: ourAs2Url(config),
    },
  };
}

/** The zod issues of a transport's config, located in the partner file (read again: it may have changed since). */
function located(partner: LoadedPartner, path: (string | number)[], issues: z.core.$ZodIssue[]): string {
  let at: ReturnType<typeof locator> | undefined;
  try {
    at = locator(readFileSync(partner.file, 'utf8'), partner.file);
  } catch {
    at = undefined;
  }
  return issues
    .map((i) => {
      const full = [...path, ...i.path.map((k) => (typeof k === 'symbol' ? String(k) : k))];
      const where = at ? at(full) : { file: partner.file, line: 1, column: 1 };
      return formatIssue({ ...where, path: full.join('.'), message: i.message });
    })
    .join('; ');
}

/**
 * The config of the transport `spec` for the partner's section at `path`: parsed by the spec's own
 * schema. Throws EDIGW_TRANSPORT_CONFIG_INVALID (kind config: dead-lettered at once, never retried)
 * with every problem located in the partner file.
 */
export function transportConfig(
  config: GatewayConfig,
  partner: LoadedPartner,
  spec: InboundSpec | OutboundSpec,
  section: unknown,
  path: (string | number)[],
): unknown {
  const raw = spec.settings(section, settingsContext(config, partner));
  const parsed = spec.config.safeParse(raw);
  if (parsed.success) return parsed.data;
  throw new GatewayError(
    'EDIGW_TRANSPORT_CONFIG_INVALID',
    `partner ${partner.id}, ${spec.kind}: ${located(partner, path, parsed.error.issues)}`,
  );
}
