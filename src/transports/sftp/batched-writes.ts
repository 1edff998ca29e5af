/**
 * One socket write per event-loop turn. ssh2 writes every SSH packet with its own `socket.write`,
 * so each SFTP reply costs a write(2), and on loopback the kernel delivers the segment and wakes the
 * client inside that call (about 75 µs here). The replies to the WRITEs found in one socket read are
 * ready in the same turn (uploads are written in place, disk-file.ts); corked until the turn's check
 * phase, they leave as one writev(2), as sshd's sftp-server sends what it answered in one poll round.
 */
import type net from 'node:net';

/**
 * Unsent replies past which the client's requests are no longer read. WRITE data no longer waits
 * anywhere (it is on disk before its reply), so a client that sends and never reads can pile up
 * only replies, and this stops it.
 */
const UNSENT_HIGH = 4 * 1024 ** 2;

export function batchWrites(socket: net.Socket): void {
  const write = socket.write;
  let corked = false;
  const flush = () => {
    corked = false;
    socket.uncork();
    if (socket.writableLength > UNSENT_HIGH && !socket.isPaused()) {
      socket.pause();
      socket.once('drain', () => socket.resume());
    }
  };
  // Wrapped on this socket only: ssh2 calls socket.write itself, and nothing of ssh2 is patched.
  socket.write = function (this: net.Socket, ...args: Parameters<net.Socket['write']>): boolean {
    if (!corked) {
      corked = true;
      socket.cork();
      setImmediate(flush);
    }
    return write.apply(this, args);
  } as net.Socket['write'];
}
