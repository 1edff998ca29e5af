/**
 * Inbound `sftp-poll`: fetches files from a partner's SFTP server (see ../remote/poller.ts for the
 * rules: stable files only, receipt after commit, never taken twice).
 */
import { z } from 'zod';
import { defineInbound, localPath, type InboundDeps } from '../spec';
import { connectSftp, credentialMissing, hasCredential, sftpAddress, sftpConnectionFields, sftpProbe } from './client';
import { checkCredential, sftpPollEntry, sftpServerFiles } from './partner-file';
import { pollingFields, RemotePoller } from '../remote/poller';

export const sftpPollConfig = z
  .strictObject({ ...sftpConnectionFields, ...pollingFields })
  .refine(hasCredential, credentialMissing);
export type SftpPollConfig = z.output<typeof sftpPollConfig>;

export class SftpPoller extends RemotePoller {
  constructor(config: SftpPollConfig, deps: InboundDeps) {
    super({ address: sftpAddress(config), connect: () => connectSftp(config), ioError: 'EDIGW_SFTP_IO' }, config, deps);
  }
}

export const sftpPoller = defineInbound({
  kind: 'sftp-poll',
  config: sftpPollConfig,
  place: 'poll',
  partner: { key: 'sftp', schema: sftpPollEntry, check: checkCredential, files: sftpServerFiles },
  settings: (s, ctx) => ({
    ...s,
    key: localPath(ctx.base, s.key),
    hostKey: localPath(ctx.base, s.hostKey),
    partner: ctx.partner.id,
  }),
  create: (config, deps) => new SftpPoller(config, deps),
  probe: sftpProbe,
});
