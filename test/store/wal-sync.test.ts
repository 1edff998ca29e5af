/**
 * SQLite commits are made durable by the store's own WAL sync, off the event loop (ADR 0014): a
 * caller resolves only after a sync that began after its commit, reads included, and a failed sync
 * fails every write after it.
 */
import { fdatasync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../../src/store/store';
import { GatewayError } from '../../src/errors';

const realSync = (fd: number) => new Promise<void>((res, rej) => fdatasync(fd, (e) => (e ? rej(e) : res())));

/** A sync that waits to be let go, so the test decides when each one ends. */
class HeldSyncs {
  readonly started: Array<() => void> = [];
  fail: Error | undefined;
  readonly sync = async (fd: number): Promise<void> => {
    await new Promise<void>((release) => this.started.push(release));
    if (this.fail) throw this.fail;
    await realSync(fd);
  };
}

const settled = async <T>(p: Promise<T>): Promise<'pending' | 'resolved' | 'rejected'> => {
  let state: 'pending' | 'resolved' | 'rejected' = 'pending';
  p.then(
    () => (state = 'resolved'),
    () => (state = 'rejected'),
  );
  // Several turns of the event loop: anything that could resolve now has.
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  return state;
};

const until = async (what: string, ok: () => boolean): Promise<void> => {
  for (let i = 0; i < 2_000 && !ok(); i++) await new Promise((r) => setTimeout(r, 5));
  if (!ok()) throw new Error(`never: ${what}`);
};

describe('SQLite WAL sync off the event loop', () => {
  let dir: string;
  let store: Store;
  let held: HeldSyncs;
  let errors: Error[];
  const receipt = (n: number) =>
    store.receive({ direction: 'in', transport: 'file', bytes: Buffer.from(`ISA payload ${n}`), job: null });

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'edigw-walsync-'));
    held = new HeldSyncs();
    errors = [];
    store = await Store.open(`sqlite:${join(dir, 'gateway.db')}`, {
      payloadDir: join(dir, 'payloads'),
      syncFile: held.sync,
      onSyncError: (e) => errors.push(e),
    });
    const migrating = store.migrate();
    await until('the migrations ask for a sync', () => held.started.length === 1);
    held.started.shift()!();
    await migrating;
  });
  afterEach(async () => {
    held.fail = undefined;
    for (const release of held.started.splice(0)) release();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a receipt resolves only after a sync that began after its commit; receipts that arrive meanwhile share the next commit and sync', async () => {
    const a = receipt(1);
    await until('the first sync starts', () => held.started.length === 1);
    expect(await settled(a)).toBe('pending');

    // Arriving while the first sync runs, which could not cover them: they wait for it to end and
    // are then committed together, in one transaction, rather than each as it comes.
    const b = receipt(2);
    const c = receipt(3);
    await new Promise((r) => setTimeout(r, 50));
    expect(store.syncState()!.pending).toBe(1);
    held.started.shift()!();
    await a;
    await until(
      'both are committed, in one commit',
      () => store.syncState()!.pending === 1 && held.started.length === 1,
    );
    expect(await settled(b)).toBe('pending');
    expect(await settled(c)).toBe('pending');
    // Still one commit noted for the two (two commits would count two).
    expect(store.syncState()!.pending).toBe(1);

    held.started.shift()!();
    await Promise.all([b, c]);
    expect(store.syncState()).toEqual({ pending: 0, syncs: 3 });
    expect(held.started).toHaveLength(0);
  });

  test('a read waits for the commits before it to be on disk; one after a synced commit does not wait', async () => {
    const a = receipt(1);
    await until('the sync starts', () => held.started.length === 1);
    const read = store.query<Array<{ n: number }>>('SELECT COUNT(*) AS n FROM message');
    expect(await settled(read)).toBe('pending');
    held.started.shift()!();
    await a;
    expect(await read).toEqual([{ n: 1 }]);
    expect(await settled(store.query('SELECT COUNT(*) AS n FROM message'))).toBe('resolved');
    expect(held.started).toHaveLength(0);
  });

  test('a failed sync fails the write it covered and every write after it, and is reported once', async () => {
    const a = receipt(1);
    await until('the sync starts', () => held.started.length === 1);
    held.fail = Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' });
    held.started.shift()!();
    await expect(a).rejects.toMatchObject({ code: 'EDIGW_STORE_SYNC_FAILED' });
    await expect(receipt(2)).rejects.toBeInstanceOf(GatewayError);
    expect(errors).toHaveLength(1);
    expect(errors[0].message).toContain('gateway.db-wal: EIO');
    // No new sync was tried: a failed fdatasync may have dropped pages a later one would not bring back.
    expect(held.started).toHaveLength(0);
  });
});

describe('SQLite WAL sync with the real fdatasync', () => {
  test('what the store committed is read back by a new connection after it closes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'edigw-walsync-'));
    try {
      const url = `sqlite:${join(dir, 'gateway.db')}`;
      const store = await Store.open(url, { payloadDir: join(dir, 'payloads') });
      await store.migrate();
      await Promise.all(
        Array.from({ length: 40 }, (_, n) =>
          store.receive({ direction: 'in', transport: 'file', bytes: Buffer.from(`ISA ${n}`), job: null }),
        ),
      );
      const state = store.syncState()!;
      expect(state.pending).toBe(0);
      // 40 receipts in one turn commit as a group: far fewer syncs than receipts.
      expect(state.syncs).toBeLessThan(40);
      await store.close();
      const again = await Store.open(url, { payloadDir: join(dir, 'payloads') });
      expect(await again.query('SELECT COUNT(*) AS n FROM message')).toEqual([{ n: 40 }]);
      await again.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
