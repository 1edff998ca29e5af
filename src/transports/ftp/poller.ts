/**
 * Inbound `ftp-poll`: fetches files from a partner's FTP or FTPS server (see
 * ../sftp/remote-poller.ts for the rules: stable files only, receipt after commit, never taken twice).
 */
import { z } from 'zod';
import { RemotePoller, pollingFields } from '../sftp/remote-poller';
import { defineInbound, type InboundDeps } from '../spec';
import { connectFtp, ftpAddress, ftpConnectionFields } from './client';

export const ftpPollConfig = z.strictObject({ ...ftpConnectionFields, ...pollingFields });
export type FtpPollConfig = z.output<typeof ftpPollConfig>;

export class FtpPoller extends RemotePoller {
  constructor(config: FtpPollConfig, deps: InboundDeps) {
    super({ address: ftpAddress(config), connect: () => connectFtp(config) }, config, deps);
  }
}

export const ftpPoller = defineInbound({
  kind: 'ftp-poll',
  config: ftpPollConfig,
  create: (config, deps) => new FtpPoller(config, deps),
});
