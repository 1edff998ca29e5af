/**
 * The contract every transport passes, as one suite each transport's test file runs against its own
 * peer (a folder, OpenSSH's sshd, vsftpd, curl and openssl, a local HTTP server). What a partner relies
 * on, whatever the protocol:
 * - inbound, polled: the exact bytes reach the store; the receipt (move or delete of the remote file)
 *   is given only after the store committed; a file the store refuses stays where it was and is taken
 *   in later; a committed file is taken in once.
 * - inbound, pushed (the partner sends, as to our AS2 and SFTP servers): the exact bytes reach the
 *   store; no positive answer (an MDN, a 2xx, an SFTP close OK) leaves before the store committed; a
 *   store that refuses gives the partner a failure answer, and the partner's retry is taken in; a
 *   message sent again under the same id (where the protocol has ids) is stored once and answered
 *   positively again, so that the partner stops sending it.
 * - outbound, to a folder: the destination holds exactly the bytes sent, under the name reported; a
 *   name that is taken is never overwritten.
 * - outbound, pushed (HTTP, AS2): the peer gets exactly the bytes sent; a send counts as delivered only
 *   once the peer accepted it; each item is a delivery of its own; a peer that is busy or failing is
 *   tried again later, a peer that refuses the item and a configuration that only sending finds wrong
 *   are dead-lettered at once, each with a reason that names the endpoint and what went wrong.
 * Each transport's own file keeps the tests of what only it does.
 */
import { GatewayError } from '../../src/errors';
import { afterFailure } from '../../src/pipeline/deliver';
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
      test(
        `${label} (afterRead: ${afterRead}): hands the exact bytes to the store, ` +
          `and ${afterRead}s the remote file only after the store committed`,
        async () => {
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
        },
      );
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

/** Whether a promise has settled yet, read without waiting for it. */
function watch<T>(p: Promise<T>): { settled: () => boolean; promise: Promise<T> } {
  let settled = false;
  const promise = p.finally(() => {
    settled = true;
  });
  promise.catch(() => undefined);
  return { settled: () => settled, promise };
}

/** Lets whatever the event loop has ready run (a listener's reply to a commit, a socket's write) before looking. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** What a pushing transport hands the store: the bytes, and the id under which the partner sent them, where the protocol has one. */
export type PushIntakeInput = IntakeInput & { id?: string };

/** The store behind a listener: its resolution is the commit; `duplicate` says the id was stored before. */
export type PushStore = (input: PushIntakeInput) => Promise<{ messageId: string; duplicate: boolean }>;

/** What the partner made of the listener's answer, read with the partner's own tools. */
export interface PartnerView {
  /** A positive receipt that the partner's tools verified. */
  accepted: boolean;
  /** The answer as the partner saw it (status, disposition), for failure messages. */
  detail: string;
}

export interface PushInboundFixture {
  /** Starts the listener with `store` behind it. */
  listen(store: PushStore): Promise<void>;
  /** The partner sends `bytes` named `name` (under the message id `id`, where the protocol has one), and reads the answer. */
  push(name: string, bytes: Buffer, id: string): Promise<PartnerView>;
  /**
   * Whether any byte of an answer has gone back to the partner since the last push began. Absent where
   * the wire carries other traffic too (SSH): the partner's own wait then tells.
   */
  answered?(): boolean;
  close(): Promise<void>;
}

/**
 * A store that keeps one message per id, as the real one does (the AS2 Message-ID and its sender), and
 * commits when `answer` resolves.
 */
function pushStoreOf(answer: (input: PushIntakeInput) => Promise<void> = () => Promise.resolve()) {
  const calls: PushIntakeInput[] = [];
  const stored = new Map<string, { messageId: string; bytes: Buffer }>();
  let called = deferred<void>();
  const store: PushStore = async (input) => {
    calls.push(input);
    called.resolve();
    await answer(input);
    const first = input.id === undefined ? undefined : stored.get(input.id);
    if (first) return { messageId: first.messageId, duplicate: true };
    const messageId = `m${stored.size + 1}`;
    stored.set(input.id ?? messageId, { messageId, bytes: input.bytes });
    return { messageId, duplicate: false };
  };
  return {
    store,
    calls,
    stored: () => [...stored.values()].map((s) => s.bytes.toString('latin1')),
    /** Resolves at the store's next call. */
    nextCall: () => (called = deferred<void>()).promise,
    set answer(a: (input: PushIntakeInput) => Promise<void>) {
      answer = a;
    },
  };
}

/**
 * `messageIds`: the protocol names each message (AS2's Message-ID), so that a resend is recognised. Without
 * one (SFTP), a file sent again is a new upload: the store sees it again and its own duplicate check decides.
 */
export function pushInboundContract(
  label: string,
  fixture: () => Promise<PushInboundFixture>,
  { messageIds = true }: { messageIds?: boolean } = {},
): void {
  describe(`${label}: inbound contract (pushed)`, () => {
    let f: PushInboundFixture | undefined;
    afterEach(async () => {
      await f?.close();
      f = undefined;
    });

    test(`${label}: hands the exact bytes to the store, and answers the partner only after the store committed`, async () => {
      f = await fixture();
      const commit = deferred<void>();
      const s = pushStoreOf(() => commit.promise);
      await f.listen(s.store);
      const body = Buffer.from('ISA*00*contract~\r\n\x00\xff end', 'latin1');
      const called = s.nextCall();
      const pushing = watch(f.push('po.edi', body, '<contract-1@partner.example>'));
      await Promise.race([called, pushing.promise]);
      expect(s.calls).toHaveLength(1);
      expect(s.calls[0].bytes.equals(body)).toBe(true);
      expect(s.calls[0].fileName).toBe('po.edi');
      if (messageIds) expect(s.calls[0].id).toBe('<contract-1@partner.example>');
      // The store has not answered: not a byte of an answer has gone back to the partner.
      await settle();
      if (f.answered) expect(f.answered()).toBe(false);
      expect(pushing.settled()).toBe(false);
      commit.resolve();
      expect(await pushing.promise).toMatchObject({ accepted: true });
      expect(s.stored()).toEqual([body.toString('latin1')]);
    });

    test(`${label}: a store that refuses the write gives the partner a failure answer, and the partner's retry is taken in`, async () => {
      f = await fixture();
      const s = pushStoreOf(() => Promise.reject(new Error('disk full')));
      await f.listen(s.store);
      const refused = await f.push('po.edi', Buffer.from('refused first'), '<contract-2@partner.example>');
      expect(refused.accepted).toBe(false);
      expect(s.stored()).toEqual([]);
      // The partner sends the same message again, later, when the store has recovered.
      s.answer = () => Promise.resolve();
      const again = await f.push('po.edi', Buffer.from('refused first'), '<contract-2@partner.example>');
      expect(again).toMatchObject({ accepted: true });
      expect(s.stored()).toEqual(['refused first']);
    });

    const resent = messageIds
      ? `${label}: a message sent again under the same id is stored once, and the partner is answered positively both times`
      : `${label}: a file sent again after its commit reaches the store again (no message id: the store's duplicate check decides)`;
    test(resent, async () => {
      f = await fixture();
      const s = pushStoreOf();
      await f.listen(s.store);
      const first = await f.push('once.edi', Buffer.from('once'), '<contract-3@partner.example>');
      const second = await f.push('once.edi', Buffer.from('once'), '<contract-3@partner.example>');
      expect([first.accepted, second.accepted]).toEqual([true, true]);
      expect(s.calls).toHaveLength(2);
      expect(s.stored()).toEqual(messageIds ? ['once'] : ['once', 'once']);
      // Another id is another message, whatever its name.
      await f.push('once.edi', Buffer.from('once more'), '<contract-4@partner.example>');
      expect(s.stored().slice(-2)).toEqual(['once', 'once more']);
    });
  });
}

/** How the peer answers a delivery it has read. */
export type PeerAnswer =
  /** Its positive receipt (a 2xx, a processed MDN). */
  | 'accept'
  /** Its protocol's refusal of this item, final (a 4xx, an MDN that reports an error). */
  | 'refuse'
  /** An HTTP status of a peer that is busy or failing. */
  | { status: number };

/** The peer of an outbound fixture: what it read and how it answers. The fixture's server drives it. */
export class PushPeer {
  /** The payload of each delivery, as the peer's own tools unwrapped it, in the order read. */
  readonly payloads: Buffer[] = [];
  private readonly waiting = new Map<number, Deferred<void>>();
  /** How the peer answers the nth delivery (from 1); awaited before it answers. */
  answer: (n: number) => Promise<PeerAnswer> = () => Promise.resolve('accept');

  /** Called by the fixture's server once it has read and unwrapped a delivery: how to answer it. */
  took(payload: Buffer): Promise<PeerAnswer> {
    this.payloads.push(payload);
    const n = this.payloads.length;
    this.waiter(n).resolve();
    return this.answer(n);
  }

  /** Resolves once the nth delivery (from 1) has been read. */
  read(n: number): Promise<void> {
    return this.waiter(n).promise;
  }

  private waiter(n: number): Deferred<void> {
    let d = this.waiting.get(n);
    if (!d) this.waiting.set(n, (d = deferred<void>()));
    return d;
  }
}

export interface PushOutboundFixture {
  peer: PushPeer;
  sender(): Outbound;
  /** What every failure's reason names: where it was sending (the URL as shown, the partner). */
  endpoint: string;
  /** What the reason of the peer's refusal says it said (its status, its disposition). */
  refusal: string;
  /** A sender whose configuration only sending finds wrong (a key file that is gone, a port no one may use), and what its reason names. */
  misconfigured(): { sender: Outbound; names: string };
  close(): Promise<void>;
}

async function failureOf(p: Promise<unknown>): Promise<GatewayError> {
  const e = await p.then(
    () => new Error('the send succeeded'),
    (err: unknown) => err,
  );
  if (!(e instanceof GatewayError)) throw e;
  return e;
}

/** What the deliver step makes of a failure at the first of eight attempts. */
const deliverStep = (e: GatewayError) =>
  afterFailure({ attempts: 1, maxAttempts: 8 }, e, { backoff: 1000, maxBackoff: 60_000 }).last
    ? 'dead-lettered at once'
    : 'tried again later';

export function pushOutboundContract(label: string, fixture: () => Promise<PushOutboundFixture>): void {
  describe(`${label}: outbound contract (pushed)`, () => {
    let f: PushOutboundFixture | undefined;
    let s: Outbound | undefined;
    afterEach(async () => {
      await s?.close?.();
      await f?.close();
      s = f = undefined;
    });

    test(`${label}: the peer gets exactly the bytes sent, and the send is delivered only once the peer accepted it`, async () => {
      f = await fixture();
      s = f.sender();
      const accept = deferred<PeerAnswer>();
      f.peer.answer = () => accept.promise;
      const body = Buffer.from('UNB+UNOC:3\r\n\x00\xff', 'latin1');
      const sending = watch(s.send({ bytes: body, fileName: 'invoice.edi', id: 'contract-1' }));
      await Promise.race([f.peer.read(1), sending.promise]);
      expect(f.peer.payloads).toHaveLength(1);
      expect(f.peer.payloads[0].equals(body)).toBe(true);
      // The peer holds its answer: the send is not done.
      await settle();
      expect(sending.settled()).toBe(false);
      accept.resolve('accept');
      const sent = await sending.promise;
      expect(sent.remoteName).toBeTruthy();
    });

    test(`${label}: each item is a delivery of its own: the same name sent twice reaches the peer twice, the first intact`, async () => {
      f = await fixture();
      s = f.sender();
      await s.send({ bytes: Buffer.from('first'), fileName: 'po.edi', id: 'contract-2' });
      await s.send({ bytes: Buffer.from('second'), fileName: 'po.edi', id: 'contract-3' });
      expect(f.peer.payloads.map((p) => p.toString())).toEqual(['first', 'second']);
    });

    test(
      `${label}: a busy or failing peer (503, 500, 429) is tried again later; a refusal is dead-lettered at once; ` +
        `each reason names the endpoint and the answer`,
      async () => {
        f = await fixture();
        s = f.sender();
        const statuses = [503, 500, 429];
        f.peer.answer = (n) => Promise.resolve(n <= statuses.length ? { status: statuses[n - 1] } : 'refuse');
        for (const [i, status] of statuses.entries()) {
          const e = await failureOf(s.send({ bytes: Buffer.from('busy'), fileName: 'po.edi', id: `contract-4-${i}` }));
          expect({ status, step: deliverStep(e) }).toEqual({ status, step: 'tried again later' });
          expect(e.message).toContain(f.endpoint);
          expect(e.message).toContain(`HTTP ${status}`);
        }
        const refused = await failureOf(s.send({ bytes: Buffer.from('no'), fileName: 'po.edi', id: 'contract-5' }));
        expect(deliverStep(refused)).toBe('dead-lettered at once');
        expect(refused.message).toContain(f.endpoint);
        expect(refused.message).toContain(f.refusal);
        expect(f.peer.payloads.map((p) => p.toString())).toEqual(['busy', 'busy', 'busy', 'no']);
      },
    );

    test(`${label}: a configuration that only sending finds wrong is dead-lettered at once, naming what is wrong, and nothing reaches the peer`, async () => {
      f = await fixture();
      const bad = f.misconfigured();
      s = bad.sender;
      const e = await failureOf(s.send({ bytes: Buffer.from('never'), fileName: 'po.edi', id: 'contract-6' }));
      expect(deliverStep(e)).toBe('dead-lettered at once');
      expect(e.message).toContain(bad.names);
      expect(f.peer.payloads).toEqual([]);
    });
  });
}
