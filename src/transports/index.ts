/**
 * The one registry of transports: the only place that binds a kind string (as written in partner
 * files) to code. Adding a transport = its folder (spec, partner-file section) + one entry here +
 * its docs; the partner-file schema (src/config/partner.ts) is composed from these lists.
 */
import { as2Sender } from './as2/sender';
import { as2Server } from './as2/server';
import { fileSender } from './file/sender';
import { fileWatcher } from './file/watcher';
import { ftpPoller } from './ftp/poller';
import { ftpSender } from './ftp/sender';
import { httpSender } from './http/sender';
import { sftpPoller } from './sftp/poller';
import { sftpSender } from './sftp/sender';
import { sftpServer } from './sftp/thread';
import type { InboundSpec, OutboundSpec } from './spec';

export { as2Server, sftpServer };

export const inbound = [fileWatcher, sftpPoller, ftpPoller] as const;
export const listeners = [as2Server, sftpServer] as const;
export const outbound = [httpSender, as2Sender, sftpSender, ftpSender, fileSender] as const;

export type InboundKind = (typeof inbound)[number]['kind'];
export type ListenerKind = (typeof listeners)[number]['kind'];
export type OutboundKind = (typeof outbound)[number]['kind'];

export function findInbound(kind: string): InboundSpec | undefined {
  return (inbound as readonly InboundSpec[]).find((spec) => spec.kind === kind);
}

export function findOutbound(kind: string): OutboundSpec | undefined {
  return (outbound as readonly OutboundSpec[]).find((spec) => spec.kind === kind);
}

export * from './spec';
