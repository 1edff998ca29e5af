/**
 * What a partner file says about AS2: how they may send to us (`inbound.as2`) and how we send to them
 * (an `as2` endpoint), with the checks that need the rest of the file (identifiers.as2, and the
 * certificates in certificates.as2 that verify and encrypt).
 */
import { z } from 'zod';
import type { NamedFile, RawPartner, SectionIssue } from '../spec';
import { loadCertificates } from './cms';

/** CMS compression (RFC 5402): `true` is `before-signing`, what most AS2 products send. */
const as2Compression = z.union([z.boolean(), z.enum(['before-signing', 'after-signing'])], {
  error: 'false, true, before-signing or after-signing',
});

/** The keys of a partner file's `as2` endpoint; the sender's config adds what the gateway knows. */
export const as2EndpointFields = {
  url: z.url({ protocol: /^https?$/, error: 'an http:// or https:// URL' }).meta({ secret: 'url' }),
  sign: z.enum(['sha256', 'sha384', 'sha512', 'sha1', 'none']).default('sha256'),
  encrypt: z
    .enum(['aes128-cbc', 'aes192-cbc', 'aes256-cbc', 'aes128-gcm', 'aes192-gcm', 'aes256-gcm', 'des-ede3-cbc', 'none'])
    .default('aes256-cbc'),
  /**
   * How the content key is encrypted for them: RSAES-PKCS1-v1_5 is what openssl and most AS2 products
   * read; RSAES-OAEP (SHA-1, as `openssl cms -keyopt rsa_padding_mode:oaep` writes it) for receivers
   * that take nothing else (WebCrypto-based ones).
   */
  keyTransport: z.enum(['rsaes-pkcs1-v1_5', 'rsaes-oaep']).default('rsaes-pkcs1-v1_5'),
  /** After signing, the MIC is still over the signed (uncompressed) content; without a signature the two are the same. */
  compress: as2Compression.default(false),
  mdn: z
    .strictObject({
      mode: z.enum(['sync', 'async', 'none']).default('sync'),
      signed: z.boolean().default(true),
    })
    .prefault({}),
};

export const as2Endpoint = z.strictObject(as2EndpointFields);

/** `inbound.as2`: what a message from them must be. A partner without it gets these defaults. */
export const as2Inbound = z.strictObject({
  signed: z.enum(['required', 'optional', 'none']).default('required'),
  encrypted: z.enum(['required', 'optional', 'none']).default('required'),
});

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : {});

const facts = (p: RawPartner) => ({
  as2Id: obj(p.identifiers).as2,
  haveCertificate: obj(p.certificates).as2 !== undefined,
});

export function checkAs2Inbound(section: Obj, partner: RawPartner): SectionIssue[] {
  const { as2Id, haveCertificate } = facts(partner);
  const issues: SectionIssue[] = [];
  if (as2Id === undefined)
    issues.push({ path: [], message: 'receiving AS2 needs identifiers.as2 (the AS2-From they send)' });
  if ((section.signed ?? 'required') !== 'none' && !haveCertificate)
    issues.push({
      path: ['signed'],
      message: 'verifying their signature needs their certificate in certificates.as2 (or signed: none)',
    });
  return issues;
}

export function checkAs2Endpoint(section: Obj, partner: RawPartner): SectionIssue[] {
  const { as2Id, haveCertificate } = facts(partner);
  const issues: SectionIssue[] = [];
  if (as2Id === undefined)
    issues.push({ path: [], message: 'sending AS2 needs identifiers.as2 (the AS2-To we address)' });
  if ((section.encrypt ?? 'aes256-cbc') !== 'none' && !haveCertificate)
    issues.push({ path: [], message: 'encrypting needs their certificate in certificates.as2 (or encrypt: none)' });
  const mdn = obj(section.mdn);
  if ((mdn.signed ?? true) === true && mdn.mode !== 'none' && !haveCertificate)
    issues.push({
      path: ['mdn'],
      message: 'a signed MDN is verified with their certificate in certificates.as2 (or mdn: { signed: false })',
    });
  return issues;
}

/** A certificate file as the AS2 code reads it: PEM (one or more) or DER. Throws when it holds none. */
export function readCertificateFile(bytes: Buffer): void {
  loadCertificates(bytes);
}

/** The files of `certificates.as2` (one, or a list during a rollover). */
export function as2CertificateFiles(partner: RawPartner): NamedFile[] {
  const cert = obj(partner.certificates).as2;
  const one = (file: unknown, path: (string | number)[]): NamedFile[] =>
    typeof file === 'string' ? [{ path, file, what: 'their AS2 certificate', read: readCertificateFile }] : [];
  if (Array.isArray(cert)) return cert.flatMap((c, i) => one(c, ['certificates', 'as2', i]));
  return one(cert, ['certificates', 'as2']);
}
