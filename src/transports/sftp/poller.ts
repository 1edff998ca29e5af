/**
 * Inbound `sftp-poll`: fetches files from a partner's SFTP server (see remote-poller.ts for the
 * rules: stable files only, receipt after commit, never taken twice).
 */
import { z } from 'zod';
import { defineInbound, type InboundDeps } from '../spec';
import { connectSftp, credentialMissing, hasCredential, sftpAddress, sftpConnectionFields } from './client';
import { pollingFields, RemotePoller } from './remote-poller';

export const sftpPollConfig = z
  .strictObject({ ...sftpConnectionFields, ...pollingFields })
  .refine(hasCredential, credentialMissing);
export type SftpPollConfig = z.output<typeof sftpPollConfig>;

export class SftpPoller extends RemotePoller {
  constructor(config: SftpPollConfig, deps: InboundDeps) {
    super({ address: sftpAddress(config), connect: () => connectSftp(config) }, config, deps);
  }
}

export const sftpPoller = defineInbound({
  kind: 'sftp-poll',
  config: sftpPollConfig,
  create: (config, deps) => new SftpPoller(config, deps),
});
