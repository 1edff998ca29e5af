/**
 * The gateway's own servers, each a listener spec of the transport registry wired to the pipeline:
 * started by one loop in main.ts when gateway.yaml sets them up, closed first when the gateway stops.
 */
import { as2Server, sftpServer, type ListenerSpec } from '../transports';
import { startAs2 } from './as2';
import type { PipelineContext } from './context';
import { startHostedSftp } from './sftp';

export interface RunningListener {
  close(): Promise<void>;
}

export interface Listener {
  spec: ListenerSpec;
  /** Starts it; undefined when gateway.yaml does not set it up. Throws a config GatewayError when it cannot. */
  start(ctx: PipelineContext): Promise<RunningListener | undefined>;
}

export const listeners: readonly Listener[] = [
  {
    spec: as2Server,
    // Logs 'AS2 listening' and the certificate-expiry warnings.
    start: async (ctx) => (ctx.config.as2 ? startAs2(ctx) : undefined),
  },
  {
    spec: sftpServer,
    start: async (ctx) => {
      if (!ctx.config.sftp) return undefined;
      const sftp = await startHostedSftp(ctx);
      ctx.logger.info({ port: sftp.port, root: ctx.config.sftp.root }, 'SFTP server listening');
      return sftp;
    },
  },
];
