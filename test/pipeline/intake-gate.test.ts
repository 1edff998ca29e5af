import { IntakeGate } from '../../src/pipeline/intake-gate';

describe('IntakeGate: workers give way to intake in their process', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  /** Settles `p` if it can within `ms` of fake time; reports whether it did. */
  async function settledWithin(p: Promise<void>, ms: number): Promise<boolean> {
    let done = false;
    void p.then(() => {
      done = true;
    });
    await jest.advanceTimersByTimeAsync(ms);
    return done;
  }

  test('no intake: a worker goes on at once', async () => {
    const gate = new IntakeGate();
    expect(gate.busy()).toBe(false);
    expect(await settledWithin(gate.yieldTo(500), 0)).toBe(true);
  });

  test('an intake in flight: the worker pauses for at most yieldRatio times its batch, so it is never starved', async () => {
    const gate = new IntakeGate({ quietMs: 50, yieldRatio: 4, maxPauseMs: 1000 });
    let finish!: () => void;
    const intake = gate.run(
      () =>
        new Promise<void>((r) => {
          finish = r;
        }),
    );
    expect(gate.busy()).toBe(true);
    const pause = gate.yieldTo(100);
    expect(await settledWithin(pause, 390)).toBe(false);
    expect(await settledWithin(pause, 20)).toBe(true);
    // The cap holds however long the batch was.
    expect(await settledWithin(gate.yieldTo(10_000), 990)).toBe(false);
    finish();
    await intake;
  });

  test('intake quiets: the worker goes on once it has been quiet for quietMs', async () => {
    const gate = new IntakeGate({ quietMs: 50, yieldRatio: 100, maxPauseMs: 5000 });
    let finish!: () => void;
    const intake = gate.run(
      () =>
        new Promise<void>((r) => {
          finish = r;
        }),
    );
    const pause = gate.yieldTo(50);
    expect(await settledWithin(pause, 100)).toBe(false);
    finish();
    await intake;
    expect(gate.busy()).toBe(true); // the last one ended only now
    expect(await settledWithin(pause, 30)).toBe(false);
    expect(await settledWithin(pause, 60)).toBe(true);
    expect(gate.busy()).toBe(false);
  });

  test('an intake that fails still counts as ended', async () => {
    const gate = new IntakeGate({ quietMs: 50 });
    await expect(gate.run(() => Promise.reject(new Error('disk full')))).rejects.toThrow('disk full');
    await jest.advanceTimersByTimeAsync(60);
    expect(gate.busy()).toBe(false);
  });

  test('release (the gateway stopping) ends a pause and every later one', async () => {
    const gate = new IntakeGate({ quietMs: 50, maxPauseMs: 60_000, yieldRatio: 1000 });
    let finish!: () => void;
    const intake = gate.run(
      () =>
        new Promise<void>((r) => {
          finish = r;
        }),
    );
    const pause = gate.yieldTo(1000);
    expect(await settledWithin(pause, 100)).toBe(false);
    gate.release();
    expect(await settledWithin(pause, 0)).toBe(true);
    expect(await settledWithin(gate.yieldTo(1000), 0)).toBe(true);
    finish();
    await intake;
  });

  test('a pause that ends by its timer is not kept: steady intake does not grow the gate (found by npm run soak)', async () => {
    const gate = new IntakeGate({ quietMs: 50, yieldRatio: 4, maxPauseMs: 1000 });
    let finish!: () => void;
    const intake = gate.run(
      () =>
        new Promise<void>((r) => {
          finish = r;
        }),
    );
    for (let i = 0; i < 100; i++) expect(await settledWithin(gate.yieldTo(10), 100)).toBe(true);
    expect(gate.pausing).toBe(0);
    const pause = gate.yieldTo(1000);
    await jest.advanceTimersByTimeAsync(10);
    expect(gate.pausing).toBe(1);
    gate.release();
    expect(await settledWithin(pause, 0)).toBe(true);
    expect(gate.pausing).toBe(0);
    finish();
    await intake;
  });
});
