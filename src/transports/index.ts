/**
 * The one registry of transports: the only place that binds a kind string (as written in
 * partner files) to code. Adding a transport = its spec file + one entry here.
 */
import { as2Sender } from './as2/sender';
import { fileSender } from './file/sender';
import { fileWatcher } from './file/watcher';
import { ftpPoller } from './ftp/poller';
import { ftpSender } from './ftp/sender';
import { httpSender } from './http/sender';
import { sftpPoller } from './sftp/poller';
import { sftpSender } from './sftp/sender';
import type { InboundSpec, OutboundSpec } from './spec';

export const inbound = [fileWatcher, sftpPoller, ftpPoller] as const;
export const outbound = [fileSender, httpSender, sftpSender, ftpSender, as2Sender] as const;

export type InboundKind = (typeof inbound)[number]['kind'];
export type OutboundKind = (typeof outbound)[number]['kind'];

export function findInbound(kind: string): InboundSpec | undefined {
  return (inbound as readonly InboundSpec[]).find((spec) => spec.kind === kind);
}

export function findOutbound(kind: string): OutboundSpec | undefined {
  return (outbound as readonly OutboundSpec[]).find((spec) => spec.kind === kind);
}

export * from './spec';
