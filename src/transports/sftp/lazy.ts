/**
 * ssh2 and ssh2-sftp-client, loaded when first used rather than when the transport registry is: the
 * partner-file schema imports every transport, and what loads the partners without ever opening an
 * SSH connection (a large payload's child process, commands) should not pay ~25 modules and their
 * memory for it. Node caches the module, so each call after the first is a lookup.
 */
import type * as Ssh2 from 'ssh2';
import type SftpClient from 'ssh2-sftp-client';

export function sshUtils(): typeof Ssh2.utils {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use (above)
  return (require('ssh2') as typeof Ssh2).utils;
}

export function sftpClientClass(): typeof SftpClient {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use (above)
  return require('ssh2-sftp-client') as typeof SftpClient;
}
