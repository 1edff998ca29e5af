/**
 * The contract every transport passes, as one suite each transport's test file runs against its own
 * peer (a folder, OpenSSH's sshd, vsftpd). What a partner relies on, whatever the protocol:
 * - inbound: the exact bytes reach the store; the receipt (move or delete of the remote file) is
 *   given only after the store committed; a file the store refuses stays where it was and is taken
 *   in later; a committed file is taken in once.
 * - outbound: the destination holds exactly the bytes sent, under the name reported; a name that is
 *   taken is never overwritten.
 * Each transport's own file keeps the tests of what only it does.
 */
import type { InboundDeps, IntakeInput, Outbound } from '../../src/transports/spec';

/** A poller of one remote folder, polled by hand. */
export interface PolledInbound {
  poll(): Promise<void>;
  stop(): Promise<void>;
}

export interface InboundFixture {
  /** Writes a file into the folder the poller reads. */
  put(name: string, bytes: Buffer): Promise<void>;
  /** The names of the files in that folder (not in its subfolders). */
  files(): Promise<string[]>;
  /** A new poller of that folder that takes complete files at once (no minimum age). */
  poller(afterRead: 'move' | 'delete', intake: InboundDeps['intake']): PolledInbound;
}

export interface OutboundFixture {
  sender(): Outbound;
  /** The bytes at the destination under a name the sender reported. */
  read(remoteName: string): Promise<Buffer>;
}

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(err: Error): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (err: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** An intake that records each call and answers with what `answer` returns (by default a commit). */
function intakeOf(answer: (input: IntakeInput, n: number) => Promise<{ messageId: string }>) {
  const calls: IntakeInput[] = [];
  const first = deferred<void>();
  const intake = (input: IntakeInput) => {
    calls.push(input);
    first.resolve();
    return answer(input, calls.length);
  };
  return { calls, intake, called: first.promise };
}

const committed = (_input: IntakeInput, n: number) => Promise.resolve({ messageId: `m${n}` });

/**
 * Polls until the poller hands a file to the store (a first listing only notes a file's size), and
 * returns that poll, still waiting on the store's answer (wrapped: an async function would await it).
 */
async function pollUntilIntake(p: PolledInbound, called: Promise<void>): Promise<{ polling: Promise<void> }> {
  for (let i = 0; i < 10; i++) {
    const polling = p.poll();
    const first = await Promise.race([polling.then(() => 'polled' as const), called.then(() => 'called' as const)]);
    if (first === 'called') return { polling };
  }
  throw new Error('the poller did not hand the file to the store in 10 polls');
}

export function inboundContract(label: string, fixture: () => Promise<InboundFixture>): void {
  describe(`${label}: inbound contract`, () => {
    for (const afterRead of ['move', 'delete'] as const) {
      test(`${label} (afterRead: ${afterRead}): hands the exact bytes to the store, and ${afterRead}s the remote file only after the store committed`, async () => {
        const f = await fixture();
        const body = Buffer.from('ISA*00*contract~\r\n\x00\xff end', 'latin1');
        await f.put('po.edi', body);
        const commit = deferred<{ messageId: string }>();
        const store = intakeOf(() => commit.promise);
        const p = f.poller(afterRead, store.intake);
        try {
          const { polling } = await pollUntilIntake(p, store.called);
          expect(store.calls).toHaveLength(1);
          expect(store.calls[0].bytes.equals(body)).toBe(true);
          expect(store.calls[0].fileName).toBe('po.edi');
          // The store has not answered: no receipt yet.
          expect(await f.files()).toEqual(['po.edi']);
          commit.resolve({ messageId: 'm1' });
          await polling;
          expect(await f.files()).toEqual([]);
        } finally {
          await p.stop();
        }
      });
    }

    test(`${label}: leaves the remote file in place when the store rejects the write, and takes it in later`, async () => {
      const f = await fixture();
      await f.put('po.edi', Buffer.from('refused first'));
      const refusing = intakeOf(() => Promise.reject(new Error('disk full')));
      const p = f.poller('delete', refusing.intake);
      try {
        await (await pollUntilIntake(p, refusing.called)).polling.catch(() => undefined);
        expect(await f.files()).toEqual(['po.edi']);
      } finally {
        await p.stop();
      }
      // Later (here: a poller started afresh, as after a restart) the file comes in.
      const store = intakeOf(committed);
      const again = f.poller('delete', store.intake);
      try {
        await (
          await pollUntilIntake(again, store.called)
        ).polling;
        expect(store.calls.map((c) => c.bytes.toString())).toEqual(['refused first']);
        expect(await f.files()).toEqual([]);
      } finally {
        await again.stop();
      }
    });

    test(`${label}: takes a committed file in once, however often it polls`, async () => {
      const f = await fixture();
      await f.put('once.edi', Buffer.from('once'));
      const store = intakeOf(committed);
      const p = f.poller('move', store.intake);
      try {
        await (
          await pollUntilIntake(p, store.called)
        ).polling;
        for (let i = 0; i < 3; i++) await p.poll();
        expect(store.calls).toHaveLength(1);
      } finally {
        await p.stop();
      }
    });
  });
}

export function outboundContract(label: string, fixture: () => Promise<OutboundFixture>): void {
  describe(`${label}: outbound contract`, () => {
    test(`${label}: the destination holds exactly the bytes sent, under the name reported`, async () => {
      const f = await fixture();
      const s = f.sender();
      try {
        const body = Buffer.from('UNB+UNOC:3\r\n\x00\xff', 'latin1');
        const { remoteName } = await s.send({ bytes: body, fileName: 'invoice.edi' });
        expect((await f.read(remoteName)).equals(body)).toBe(true);
      } finally {
        await s.close?.();
      }
    });

    test(`${label}: never overwrites: the same name sent twice ends as two files, the first intact`, async () => {
      const f = await fixture();
      const s = f.sender();
      try {
        const a = await s.send({ bytes: Buffer.from('first'), fileName: 'po.edi' });
        const b = await s.send({ bytes: Buffer.from('second'), fileName: 'po.edi' });
        expect(a.remoteName).not.toBe(b.remoteName);
        expect((await f.read(a.remoteName)).toString()).toBe('first');
        expect((await f.read(b.remoteName)).toString()).toBe('second');
      } finally {
        await s.close?.();
      }
    });
  });
}
