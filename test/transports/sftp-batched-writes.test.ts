/**
 * The hosted SFTP server's socket writes (transports/sftp/batched-writes.ts): what ssh2 writes in one
 * event-loop turn leaves as one write, in order.
 */
import net from 'node:net';
import { batchWrites } from '../../src/transports/sftp/batched-writes';

interface Pair {
  server: net.Socket;
  client: net.Socket;
  close(): Promise<void>;
}

async function pair(): Promise<Pair> {
  const listener = net.createServer();
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const accepted = new Promise<net.Socket>((resolve) => listener.once('connection', resolve));
  const client = net.connect((listener.address() as net.AddressInfo).port, '127.0.0.1');
  await new Promise<void>((resolve) => client.once('connect', resolve));
  const server = await accepted;
  return {
    server,
    client,
    close: async () => {
      client.destroy();
      server.destroy();
      await new Promise<void>((resolve) => listener.close(() => resolve()));
    },
  };
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('sftp server socket writes', () => {
  test('replies written in one turn are held until its end and then sent together, in order', async () => {
    const p = await pair();
    try {
      batchWrites(p.server);
      const received: Buffer[] = [];
      p.client.on('data', (d: Buffer) => received.push(d));
      const writev = jest.spyOn(p.server as unknown as { _writev: () => void }, '_writev');
      p.server.write(Buffer.from('one '));
      p.server.write(Buffer.from('two '));
      p.server.write(Buffer.from('three'));
      expect(p.server.writableCorked).toBe(1);
      expect(p.server.writableLength).toBe(13);
      await nextTurn();
      expect(p.server.writableCorked).toBe(0);
      expect(writev).toHaveBeenCalledTimes(1);
      // A later turn's write is its own batch.
      p.server.write(Buffer.from(' four'));
      expect(p.server.writableCorked).toBe(1);
      await nextTurn();
      while (Buffer.concat(received).length < 18) await new Promise((resolve) => setTimeout(resolve, 5));
      expect(Buffer.concat(received).toString()).toBe('one two three four');
    } finally {
      await p.close();
    }
  });
});
