/**
 * Inbound `ftp-poll`: fetches files from a partner's FTP or FTPS server (see
 * ../remote/poller.ts for the rules: stable files only, receipt after commit, never taken twice).
 */
import { z } from 'zod';
import { RemotePoller, partnerPollingFields, pollingFields } from '../remote/poller';
import { defineInbound, localPath, type InboundDeps } from '../spec';
import { connectFtp, ftpAddress, ftpConnectionFields, ftpFiles, ftpProbe } from './client';

export const ftpPollConfig = z.strictObject({ ...ftpConnectionFields, ...pollingFields });
/** A partner file's `ftp` poll entry. */
const ftpPollEntry = z.strictObject({ ...ftpConnectionFields, ...partnerPollingFields });
export type FtpPollConfig = z.output<typeof ftpPollConfig>;

export class FtpPoller extends RemotePoller {
  constructor(config: FtpPollConfig, deps: InboundDeps) {
    super({ address: ftpAddress(config), connect: () => connectFtp(config), ioError: 'EDIGW_FTP_IO' }, config, deps);
  }
}

export const ftpPoller = defineInbound({
  kind: 'ftp-poll',
  config: ftpPollConfig,
  place: 'poll',
  partner: { key: 'ftp', schema: ftpPollEntry, files: ftpFiles },
  settings: (s, ctx) => ({ ...s, ca: localPath(ctx.base, s.ca), partner: ctx.partner.id }),
  create: (config, deps) => new FtpPoller(config, deps),
  probe: ftpProbe,
});
