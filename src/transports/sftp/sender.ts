/**
 * Outbound `sftp`: delivers each item to a folder on a partner's SFTP server, under a temporary
 * name first, then renamed to its own name (or `-1`, `-2`, … when that is taken: nothing on the
 * server is ever replaced). One connection per item.
 */
import { z } from 'zod';
import { GatewayError } from '../../errors';
import { isPlainName } from '../file/names';
import { defineOutbound, localPath, type Outbound, type OutboundDeps, type OutboundItem } from '../spec';
import { connectSftp, credentialMissing, hasCredential, sftpAddress, sftpProbe } from './client';
import { checkCredential, sftpEndpoint, sftpEndpointFields, sftpServerFiles } from './partner-file';
import { remoteUrl, uploadWithoutOverwrite } from '../remote/files';

export const sftpSenderConfig = z
  .strictObject({
    ...sftpEndpointFields,
    /** The partner's id: shown in log lines, nothing else. */
    partner: z.string().min(1).optional(),
  })
  .refine(hasCredential, credentialMissing);
export type SftpSenderConfig = z.output<typeof sftpSenderConfig>;

export class SftpSender implements Outbound {
  constructor(
    private readonly config: SftpSenderConfig,
    private readonly deps: OutboundDeps,
  ) {}

  async send(item: OutboundItem): Promise<{ remoteName: string }> {
    const { dir, partner, host, port, user } = this.config;
    const context = `sending ${item.fileName} by SFTP to ${remoteUrl(sftpAddress(this.config), dir)}`;
    if (!isPlainName(item.fileName)) throw new GatewayError('EDIGW_FILE_NAME_INVALID', context);
    const session = await connectSftp(this.config);
    try {
      const remoteName = await uploadWithoutOverwrite(
        session,
        item.bytes,
        dir,
        item.fileName,
        context,
        'EDIGW_SFTP_SIZE_MISMATCH',
      );
      this.deps.logger.info(
        {
          partner,
          protocol: 'sftp',
          host,
          port,
          user,
          dir,
          fileName: item.fileName,
          remoteName,
          bytes: item.bytes.length,
        },
        'sftp delivered',
      );
      return { remoteName };
    } finally {
      await session.close();
    }
  }
}

export const sftpSender = defineOutbound({
  kind: 'sftp',
  config: sftpSenderConfig,
  partner: { key: 'sftp', schema: sftpEndpoint, check: checkCredential, files: sftpServerFiles },
  settings: (s, ctx) => ({
    ...s,
    key: localPath(ctx.base, s.key),
    hostKey: localPath(ctx.base, s.hostKey),
    partner: ctx.partner.id,
  }),
  create: (config, deps) => new SftpSender(config, deps),
  probe: sftpProbe,
});
