/**
 * What a partner file says about SFTP: a poll entry and an endpoint (their server: how we log in to
 * it), and `inbound.sftp` (our hosted server: how they log in to us). Each file the sections name is
 * read here as the transport reads it, so that `partners check` refuses what a login would.
 */
import { z } from 'zod';
import { secret } from '../../config/secret';
import { partnerPollingFields } from '../remote/poller';
import type { NamedFile, SectionIssue } from '../spec';
import { authorizedKeys } from './auth';
import { sftpConnectionFields } from './client';
import { parseHostKeys } from './known-hosts';
import { sshUtils } from './lazy';

type Obj = Record<string, unknown>;
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** The keys of a partner file's `sftp` endpoint. */
export const sftpEndpointFields = {
  ...sftpConnectionFields,
  /** The folder files are delivered to, as the login sees paths; it must exist. */
  dir: z.string().min(1),
};

export const sftpEndpoint = z.strictObject(sftpEndpointFields);
export const sftpPollEntry = z.strictObject({ ...sftpConnectionFields, ...partnerPollingFields });

/** Logging in to their server needs a key or a password (checked on the raw section: it may be broken elsewhere). */
export function checkCredential(section: Obj): SectionIssue[] {
  return section.key === undefined && section.password === undefined
    ? [{ path: [], message: 'logging in needs key or password' }]
    : [];
}

/** An SSH private key as ssh2 reads it (our login key, our hosted server's host key). Throws when it holds none. */
export function readSshPrivateKey(bytes: Buffer): void {
  const parsed = sshUtils().parseKey(bytes);
  if (parsed instanceof Error) throw parsed;
  const [key] = [parsed].flat();
  if (!key?.isPrivateKey()) throw new Error('a public key, where our private key is needed');
}

/** Our login key and their host key, as the SFTP client reads them. */
export function sftpServerFiles(section: Obj): NamedFile[] {
  const out: NamedFile[] = [];
  const key = str(section.key);
  if (key !== undefined) out.push({ path: ['key'], file: key, what: 'our private key', read: readSshPrivateKey });
  const hostKey = str(section.hostKey);
  if (hostKey !== undefined) {
    const host = str(section.host) ?? '';
    const port = typeof section.port === 'number' ? section.port : 22;
    out.push({
      path: ['hostKey'],
      file: hostKey,
      what: 'their host key',
      read: (bytes) => {
        const pinned = parseHostKeys(bytes.toString('utf8'), host, port);
        if (pinned.keys.length === 0)
          throw new Error(
            `no public key for ${port === 22 ? host : `[${host}]:${port}`} in it (a known_hosts line or a .pub file)`,
          );
      },
    });
  }
  return out;
}

/** `inbound.sftp`: the login of this partner on our hosted SFTP server. */
export const sftpHosted = z.strictObject({
  user: z.string().min(1),
  publicKeys: z.array(z.string().min(1)).optional(),
  password: secret(
    z.string().regex(/^\$[a-z0-9-]+\$/, 'a password hash such as $scrypt$…, never the password itself'),
    'hash of the hosted SFTP password',
  ).optional(),
});

export function checkHosted(section: Obj): SectionIssue[] {
  const keys = Array.isArray(section.publicKeys) ? section.publicKeys : [];
  return keys.length === 0 && section.password === undefined
    ? [{ path: [], message: 'hosted SFTP needs publicKeys or a password hash to log in with' }]
    : [];
}

/** Their public keys, read as the hosted server reads them at a login. */
export function hostedFiles(section: Obj): NamedFile[] {
  const keys = Array.isArray(section.publicKeys) ? section.publicKeys : [];
  return keys.flatMap((k, i): NamedFile[] =>
    typeof k === 'string'
      ? [
          {
            path: ['publicKeys', i],
            file: k,
            what: 'their public key',
            read: (bytes) => {
              const list = authorizedKeys([bytes.toString('utf8')]);
              if (list.unreadable > 0 || list.keys.length === 0)
                throw new Error(
                  `${list.unreadable || 'no'} ${list.unreadable === 1 ? 'entry is' : 'entries are'} not an SSH public key (OpenSSH or PEM)`,
                );
            },
          },
        ]
      : [],
  );
}
