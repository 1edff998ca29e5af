/**
 * Outbound `ftp`: delivers each item to a folder on a partner's FTP or FTPS server, under a
 * temporary name first, then renamed to its own name (or `-1`, `-2`, … when that is taken). One
 * connection per item.
 */
import { z } from 'zod';
import { GatewayError } from '../../errors';
import { isPlainName } from '../file/names';
import { remoteUrl, uploadWithoutOverwrite } from '../remote/files';
import { defineOutbound, localPath, type Outbound, type OutboundDeps, type OutboundItem } from '../spec';
import { connectFtp, ftpAddress, ftpConnectionFields, ftpFiles, ftpProbe } from './client';

/** The keys of a partner file's `ftp` endpoint. */
const ftpEndpointFields = {
  ...ftpConnectionFields,
  /** The folder files are delivered to, as the login sees paths; it must exist. */
  dir: z.string().min(1),
};
const ftpEndpoint = z.strictObject(ftpEndpointFields);

export const ftpSenderConfig = z.strictObject({
  ...ftpEndpointFields,
  /** The partner's id: shown in log lines, nothing else. */
  partner: z.string().min(1).optional(),
});
export type FtpSenderConfig = z.output<typeof ftpSenderConfig>;

export class FtpSender implements Outbound {
  constructor(
    private readonly config: FtpSenderConfig,
    private readonly deps: OutboundDeps,
  ) {}

  async send(item: OutboundItem): Promise<{ remoteName: string }> {
    const { dir, partner, host, port, user, secure } = this.config;
    const context = `sending ${item.fileName} by FTP to ${remoteUrl(ftpAddress(this.config), dir)}`;
    if (!isPlainName(item.fileName)) throw new GatewayError('EDIGW_FILE_NAME_INVALID', context);
    const session = await connectFtp(this.config);
    try {
      const remoteName = await uploadWithoutOverwrite(
        session,
        item.bytes,
        dir,
        item.fileName,
        context,
        'EDIGW_FTP_SIZE_MISMATCH',
      );
      this.deps.logger.info(
        {
          partner,
          protocol: 'ftp',
          secure,
          host,
          port,
          user,
          dir,
          fileName: item.fileName,
          remoteName,
          bytes: item.bytes.length,
        },
        'ftp delivered',
      );
      return { remoteName };
    } finally {
      await session.close();
    }
  }
}

export const ftpSender = defineOutbound({
  kind: 'ftp',
  config: ftpSenderConfig,
  partner: { key: 'ftp', schema: ftpEndpoint, files: ftpFiles },
  settings: (s, ctx) => ({ ...s, ca: localPath(ctx.base, s.ca), partner: ctx.partner.id }),
  create: (config, deps) => new FtpSender(config, deps),
  probe: ftpProbe,
});
