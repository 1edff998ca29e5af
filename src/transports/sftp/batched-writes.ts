/**
 * One socket write per event-loop turn. ssh2 writes every SSH packet with its own `socket.write`,
 * so each SFTP reply costs a write(2), and on loopback the kernel delivers the segment and wakes the
 * client inside that call (about 75 µs here). The replies to the WRITEs of one socket read complete
 * together (disk-file.ts sends them to disk as one writev); corked until the turn's check phase,
 * they leave as one writev(2), as sshd's sftp-server sends what it answered in one poll round.
 */
import type net from 'node:net';

export function batchWrites(socket: net.Socket): void {
  const write = socket.write;
  let corked = false;
  const flush = () => {
    corked = false;
    socket.uncork();
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
