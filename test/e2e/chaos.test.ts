/**
 * The short form of `npm run chaos`: three `kill -9`s of the real gateway under AS2, SFTP and admin
 * load, on SQLite and on MariaDB (with `processes: 2`, so orphaned worker processes show), then the
 * drain and the accounting of bench/chaos.ts. Nothing here is timed: the tool bounds itself and
 * reports a hang as a failure.
 */
import { chaos, formatResult } from '../../bench/chaos';
import { DATABASES, describeOn } from '../helpers/databases';

// Three kills, each restart bounded at 90 s, a drain bounded at 240 s: the tool's own hard timeout comes first.
jest.setTimeout(900_000);

for (const db of DATABASES) {
  describeOn(db, `chaos on ${db}`, () => {
    test(
      `chaos on ${db}: three kill -9s under AS2, SFTP and admin load lose no message that got a receipt, ` +
        `deliver none twice unexplained, leave no orphans`,
      async () => {
        const r = await chaos({ db, kills: 3, rate: 8, upSeconds: [3, 8], seed: 13, timeoutSeconds: 780 });
        // The whole table on failure, so that the cause is in the test output.
        expect({ failures: r.failures, table: r.failures.length ? formatResult(r) : '' }).toEqual({
          failures: [],
          table: '',
        });
        expect(r.killsDone).toBe(3);
        expect(r.total.receipts).toBeGreaterThan(0);
        expect(r.total.lost).toBe(0);
        expect(r.total.receipts).toBeLessThanOrEqual(r.total.stored);
      },
    );
  });
}
