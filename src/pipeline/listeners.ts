/**
 * The gateway's own servers, each a listener spec of the transport registry wired to the pipeline:
 * started by one loop in main.ts when gateway.yaml sets them up, closed first when the gateway stops.
 *
 * The registry (src/transports/index.ts) says which listeners exist and in what order they start; this
 * module only says how each is wired to the pipeline, which a transport may not import. The wiring is
 * keyed by the registry's kinds, so a listener added to the registry without its wiring does not compile.
 */
import { listeners as registered, type ListenerKind, type ListenerSpec } from '../transports';
import { startAs2 } from './as2';
import type { PipelineContext } from './context';
import { startHostedSftp } from './sftp';

export interface RunningListener {
  close(): Promise<void>;
}

/** Starts a listener; undefined when gateway.yaml does not set it up. Throws a config GatewayError when it cannot. */
type Start = (ctx: PipelineContext) => Promise<RunningListener | undefined>;

export interface Listener {
  spec: ListenerSpec;
  start: Start;
}

const wiring: { readonly [K in ListenerKind]: Start } = {
  // Logs 'AS2 listening' and the certificate-expiry warnings.
  'as2-server': async (ctx) => (ctx.config.as2 ? startAs2(ctx) : undefined),
  'sftp-server': async (ctx) => {
    if (!ctx.config.sftp) return undefined;
    const sftp = await startHostedSftp(ctx);
    ctx.logger.info({ port: sftp.port, root: ctx.config.sftp.root }, 'SFTP server listening');
    return sftp;
  },
};

/** Every listener of the registry, in its order, with its wiring. */
export const listeners: readonly Listener[] = registered.map((spec) => ({ spec, start: wiring[spec.kind] }));
