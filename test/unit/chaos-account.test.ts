/** The accounting of `npm run chaos` (bench/chaos.ts): what it calls lost, allowed and failed. */
import { account, type AckFacts, type StoreFacts } from '../../bench/chaos';
import type { Sent } from '../../bench/rig';

const sent = (icn: number, receipt = true): Sent => ({ icn, channel: 'as2', node: 0, receipt, at: 0 });
const facts = (stored: number[], extra: Partial<StoreFacts> = {}): StoreFacts => ({
  messages: new Map(stored.map((n) => [`po-${String(n).padStart(9, '0')}.x12`, 1])),
  transactions: new Map(stored.map((n) => [`PO${String(n).padStart(9, '0')}`, 1])),
  interchanges: new Map(stored.map((n) => [String(n).padStart(9, '0'), 1])),
  outboundDuplicates: [],
  open: {},
  dead: [],
  ...extra,
});
/** One 997 per stored interchange, each with its own ISA13. */
const acks = (stored: number[]): AckFacts => ({
  files: stored.length,
  byGroup: new Map(stored.map((n) => [String(n), [1000]])),
  controlNumbers: new Map(stored.map((n, i) => [String(i + 1).padStart(9, '0'), new Set([String(n)])])),
});
const at = (entries: Array<[number, number[]]>) =>
  new Map(entries.map(([n, t]) => [`PO${String(n).padStart(9, '0')}`, t]));

describe('chaos accounting', () => {
  test('every receipt stored and delivered once: no failure', () => {
    const r = account(
      [sent(100000001), sent(100000002)],
      facts([100000001, 100000002]),
      acks([100000001, 100000002]),
      at([
        [100000001, [10]],
        [100000002, [20]],
      ]),
      0,
      [],
    );
    expect(r.failures).toEqual([]);
    expect(r.total).toMatchObject({ sent: 2, receipts: 2, stored: 2, delivered: 2, lost: 0 });
  });

  test('a receipt for a message not stored, and one stored but never delivered, are both lost', () => {
    const r = account([sent(100000001), sent(100000002)], facts([100000002]), acks([100000002]), at([]), 0, []);
    expect(r.total.lost).toBe(2);
    expect(r.failures.join('\n')).toMatch(/lost: 2 message\(s\)/);
  });

  test('a second copy with a kill between its copies is allowed and explained; without one it fails', () => {
    const ok = account(
      [sent(100000001)],
      facts([100000001]),
      acks([100000001]),
      at([[100000001, [1000, 70_000]]]),
      0,
      [1500],
    );
    expect(ok.failures).toEqual([]);
    expect(ok.total).toMatchObject({ twice: 1, explained: 1 });
    const bad = account(
      [sent(100000001)],
      facts([100000001]),
      acks([100000001]),
      at([[100000001, [1000, 70_000]]]),
      0,
      [500],
    );
    expect(bad.failures.join('\n')).toMatch(/delivered twice with no kill between/);
  });

  test('stored without a receipt is fine when delivered, a failure (stuck) when not', () => {
    expect(
      account([sent(100000001, false)], facts([100000001]), acks([100000001]), at([[100000001, [5]]]), 0, []).failures,
    ).toEqual([]);
    expect(
      account([sent(100000001, false)], facts([100000001]), acks([100000001]), at([]), 0, []).failures.join('\n'),
    ).toMatch(/stuck: 1/);
  });

  test('one ISA13 on the 997s of two interchanges, a reused outbound control number in the store and an interchange recorded twice all fail', () => {
    const a = acks([100000001, 100000002]);
    a.controlNumbers = new Map([['000000001', new Set(['100000001', '100000002'])]]);
    const f = facts([100000001, 100000002], { outboundDuplicates: [{ partner: 'acme', control: '000000001', n: 2 }] });
    f.transactions.set('PO100000001', 2);
    const r = account(
      [sent(100000001), sent(100000002)],
      f,
      a,
      at([
        [100000001, [1]],
        [100000002, [2]],
      ]),
      0,
      [],
    );
    const text = r.failures.join('\n');
    expect(text).toMatch(/ISA13\(s\) used for 997s of different interchanges/);
    expect(text).toMatch(/outbound control numbers reused/);
    expect(text).toMatch(/PO100000001: 2 inbound transaction rows/);
  });
});
