/**
 * MariaDB connection pool under load (issue 13 §1): queued work must drain with a pool smaller than
 * the jobs claimed, and a wait for a connection or a lock is bounded, said, and retried.
 */
import { join } from 'node:path';
import { MessageRecord } from '../../src/store/entities';
import { intake } from '../../src/pipeline/intake';
import { Workers } from '../../src/pipeline/worker';
import { Store } from '../../src/store/store';
import type { PipelineContext } from '../../src/pipeline/context';
import { freshDatabase, mariadbAvailable, type TestDatabase } from '../helpers/databases';
import { type Deployment, deployment, pipelineView, x12Interchange } from './support';

async function until<T>(what: string, ms: number, check: () => Promise<T | undefined | false>): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const PARTNER = [
  'id: acme',
  'identifiers: { x12: [{ qualifier: ZZ, id: ACME }] }',
  "acks: { x12: '997', to: acks }",
  "routes: [{ match: { type: '850' }, to: erp }]",
  'endpoints: { erp: { file: { dir: out/erp } }, acks: { file: { dir: out/acks } } }',
].join('\n');

describe('MariaDB pool', () => {
  let up = false;
  let d: Deployment;
  let db: TestDatabase | undefined;
  let store: Store | undefined;

  beforeAll(async () => {
    up = await mariadbAvailable();
    d = deployment({ 'partners/acme.yaml': PARTNER });
  });
  afterEach(async () => {
    await store?.close();
    store = undefined;
    await db?.drop();
    db = undefined;
  });
  afterAll(() => d?.remove());

  async function open(pool: { size?: number; acquireTimeoutMs?: number; lockWaitTimeoutS?: number }): Promise<PipelineContext> {
    db = await freshDatabase('mariadb');
    store = await Store.open(db.url, { payloadDir: join(db.dir, 'payloads'), pool });
    await store.migrate();
    return { ...pipelineView(d, () => new Date()), store };
  }

  test('a restart with many queued process jobs and no control-number rows yet drains with a pool smaller than the batch', async () => {
    if (!up) return;
    const ctx = await open({ size: 4 });
    const ids: string[] = [];
    for (let i = 0; i < 40; i++) {
      ids.push((await intake(ctx, { transport: 'http', partnerId: 'acme', bytes: Buffer.from(x12Interchange({ sender: 'ACME', control: 100 + i })), fileName: `po-${i}.x12` })).messageId);
    }
    // A fresh process: every job of the first batch allocates the partner's first ISA control number.
    const workers = new Workers(ctx, { count: 2, batch: 32, idleMs: 50 });
    ctx.kick = () => workers.kick();
    workers.start();
    try {
      await until('all 40 messages processed', 45_000, async () => (await ctx.store.ds.manager.countBy(MessageRecord, { direction: 'in', status: 'processed' })) === 40);
    } finally {
      await workers.stop(5_000);
    }
    const numbers: Array<{ value: number }> = await ctx.store.ds.query("SELECT value FROM control_number WHERE scope = 'acme' AND kind = 'isa'");
    expect(Number(numbers[0].value)).toBe(40);
  }, 60_000);
});
