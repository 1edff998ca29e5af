import { BodyBudget } from '../../../src/transports/as2/body-budget';

/** The order in which the acquisitions were granted, by label. */
function track(budget: BodyBudget, granted: string[], label: string, bytes: number): Promise<void> {
  return budget.acquire(bytes).then(() => {
    granted.push(label);
  });
}

const turn = () => new Promise((r) => setImmediate(r));

describe('AS2 body budget', () => {
  it('grants bodies up to the limit at once, the next ones in arrival order as bytes come back', async () => {
    const budget = new BodyBudget(4, 60_000);
    const granted: string[] = [];
    const all = [
      track(budget, granted, 'a', 2),
      track(budget, granted, 'b', 2),
      track(budget, granted, 'c', 3),
      track(budget, granted, 'd', 1),
    ];
    await turn();
    // d would fit beside a and b's 4 bytes no more than c does: it waits behind c, not around it.
    expect(granted).toEqual(['a', 'b']);
    expect(budget.inUse).toBe(4);
    budget.release(2);
    await turn();
    expect(granted).toEqual(['a', 'b']);
    budget.release(2);
    await turn();
    expect(granted).toEqual(['a', 'b', 'c', 'd']);
    expect(budget.inUse).toBe(4);
    budget.release(3);
    budget.release(1);
    await Promise.all(all);
    expect(budget.inUse).toBe(0);
  });

  it('reads a body larger than the whole budget when nothing else is held', async () => {
    const budget = new BodyBudget(4, 60_000);
    const granted: string[] = [];
    void track(budget, granted, 'small', 1);
    const big = track(budget, granted, 'big', 10);
    await turn();
    expect(granted).toEqual(['small']);
    budget.release(1);
    await big;
    expect(granted).toEqual(['small', 'big']);
    expect(budget.inUse).toBe(10);
  });

  it('a body that waited its longest is read over the budget, so a stalled sender holds no one up for long', async () => {
    const budget = new BodyBudget(4, 50);
    const granted: string[] = [];
    void track(budget, granted, 'stalled', 4);
    const late = track(budget, granted, 'late', 2);
    const later = track(budget, granted, 'later', 2);
    await turn();
    expect(granted).toEqual(['stalled']);
    await Promise.all([late, later]);
    expect(granted).toEqual(['stalled', 'late', 'later']);
    expect(budget.inUse).toBe(8);
    // What came in over the budget is counted, and going back under it lets the queue move again.
    const next = track(budget, granted, 'next', 1);
    budget.release(4);
    budget.release(2);
    budget.release(2);
    await next;
    expect(budget.inUse).toBe(1);
  });
});
