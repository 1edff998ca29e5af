import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { GatewayError } from '../errors';
import type { SftpUser } from '../transports/sftp/server';
import { startSftpThread } from '../transports/sftp/thread';
import type { PipelineContext } from './context';
import { intake, intakeFile } from './intake';

/**
 * The gateway's hosted SFTP server (gateway.yaml `sftp`), its users read from the partner files at
 * every login (`inbound.sftp`), so an onboarded or edited partner can log in at once. Uploads are
 * taken in through the store's streaming receive (small ones from the bytes the SFTP thread kept); the
 * OK goes back only after the commit. The server
 * itself runs on a thread of its own (transports/sftp/thread.ts).
 */
export async function startHostedSftp(ctx: PipelineContext): Promise<{ port: number; close(): Promise<void> }> {
  const { config, logger } = ctx;
  const sftp = config.sftp!;
  if (!sftp.hostKey)
    throw new GatewayError('EDIGW_SFTP_HOST_KEY', 'gateway.yaml sftp.hostKey', {
      cause: new Error(
        'name our host key file, like certs/our/ssh_host_ed25519_key (made on first start when it lies under certs/our)',
      ),
    });
  const hostKeyFile = resolve(config.dir, sftp.hostKey);
  let hostKey: Buffer;
  try {
    hostKey = readFileSync(hostKeyFile);
  } catch (e) {
    throw new GatewayError('EDIGW_SFTP_HOST_KEY', `gateway.yaml sftp.hostKey ${hostKeyFile}`, { cause: e });
  }
  const warned = new Set<string>();
  const users = (): SftpUser[] =>
    ctx.partners.list().flatMap((p) => {
      const s = p.inbound?.sftp;
      if (!s) return [];
      const publicKeys = (s.publicKeys ?? []).flatMap((k) => {
        const file = resolve(config.dir, k);
        try {
          return [readFileSync(file, 'utf8')];
        } catch (e) {
          if (!warned.has(file))
            logger.warn(
              { partner: p.id, file, err: (e as Error).message },
              'a public key of a partner cannot be read; that key cannot log in',
            );
          warned.add(file);
          return [];
        }
      });
      return [{ partnerId: p.id, user: s.user, publicKeys, ...(s.password ? { passwordHash: s.password } : {}) }];
    });
  return startSftpThread({
    port: sftp.port,
    hostKey,
    root: resolve(config.dir, sftp.root),
    users,
    inlineUpTo: ctx.store.inlineUpTo,
    intake: (i) => {
      const at = { transport: 'sftp', partnerId: i.partnerId, fileName: i.fileName, remotePath: i.remotePath };
      // A small upload comes with its bytes (they cross the thread as a plain Uint8Array): nothing to read back.
      const work = i.content
        ? intake(ctx, {
            ...at,
            bytes: Buffer.from(i.content.buffer, i.content.byteOffset, i.content.byteLength),
            ...(i.sha256 ? { sha256: i.sha256 } : {}),
          })
        : intakeFile(ctx, { ...at, path: i.path, ...(i.synced ? { synced: i.synced } : {}) });
      return work.catch((e: unknown) => {
        // The session logs it with the file's path and tells the client; here it is only counted.
        ctx.meter?.messageReceived({ transport: 'sftp', partner: i.partnerId, outcome: 'refused' });
        throw e;
      });
    },
    onLogin: (outcome) => ctx.meter?.sftpSession({ outcome }),
    logger,
  });
}
