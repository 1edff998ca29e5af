import { Ticker } from '../../src/transports/ticker';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A promise the test settles by hand. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((r) => {
    open = r;
  });
  return { opened, open };
}

async function until(cond: () => boolean, ms = 2_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await sleep(2);
  }
}

let ticker: Ticker | undefined;
afterEach(async () => {
  await ticker?.stop();
  ticker = undefined;
});

test('the first tick comes on the next timer turn, not inside start(), then one every delay', async () => {
  let ticks = 0;
  ticker = new Ticker(
    async () => {
      ticks++;
    },
    () => 5,
  );
  expect(ticker.running).toBe(false);
  ticker.start();
  expect(ticker.running).toBe(true);
  expect(ticks).toBe(0);
  await until(() => ticks >= 3);
});

test('ticks never overlap, and tickNow() during a tick answers with that tick', async () => {
  let inFlight = 0;
  let most = 0;
  let ticks = 0;
  ticker = new Ticker(
    async () => {
      ticks++;
      inFlight++;
      most = Math.max(most, inFlight);
      await sleep(20);
      inFlight--;
    },
    () => 1,
  );
  ticker.start();
  await until(() => inFlight === 1);
  const seen = ticks;
  const a = ticker.tickNow();
  const b = ticker.tickNow();
  expect(a).toBe(b);
  expect(ticks).toBe(seen);
  await a;
  await until(() => ticks >= 4);
  expect(most).toBe(1);
});

test('the wait runs from the end of a tick, and delayAfter() is asked afresh after each one', async () => {
  const starts: number[] = [];
  const ends: number[] = [];
  const delays = [30, 30, 60_000];
  let asked = 0;
  ticker = new Ticker(
    async () => {
      starts.push(Date.now());
      await sleep(20);
      ends.push(Date.now());
    },
    () => delays[asked++],
  );
  ticker.start();
  await until(() => asked === 3);
  // A timer may fire a millisecond early by Date.now()'s rounding.
  expect(starts[1] - ends[0]).toBeGreaterThanOrEqual(29);
  expect(starts[2] - ends[1]).toBeGreaterThanOrEqual(29);
  await sleep(80);
  expect(starts).toHaveLength(3);
});

test('stop() waits for the tick in flight, which sees stopped, and no tick follows', async () => {
  const release = gate();
  let ticks = 0;
  let sawStopped: boolean | undefined;
  const t = new Ticker(
    async () => {
      ticks++;
      await release.opened;
      sawStopped = t.stopped;
    },
    () => 1,
  );
  ticker = t;
  expect(t.stopped).toBe(false);
  t.start();
  await until(() => ticks === 1);

  let stopDone = false;
  const stopping = t.stop().then(() => {
    stopDone = true;
  });
  expect(t.running).toBe(false);
  expect(t.stopped).toBe(true);
  await sleep(20);
  expect(stopDone).toBe(false);

  release.open();
  await stopping;
  expect(sawStopped).toBe(true);
  await sleep(30);
  expect(ticks).toBe(1);
});

test('stop() before the first tick fires cancels it', async () => {
  let ticks = 0;
  ticker = new Ticker(
    async () => {
      ticks++;
    },
    () => 1,
  );
  ticker.start();
  await ticker.stop();
  await sleep(20);
  expect(ticks).toBe(0);
});

test('start() after stop() ticks again with stopped cleared', async () => {
  const stoppedAtTick: boolean[] = [];
  const t = new Ticker(
    async () => {
      stoppedAtTick.push(t.stopped);
    },
    () => 5,
  );
  ticker = t;
  t.start();
  await until(() => stoppedAtTick.length >= 1);
  await t.stop();
  const before = stoppedAtTick.length;
  t.start();
  expect(t.stopped).toBe(false);
  await until(() => stoppedAtTick.length > before);
  expect(stoppedAtTick.every((s) => !s)).toBe(true);
});

test('tickNow() works without start(), starts no timer, and a rejected tick leaves the ticker usable', async () => {
  let ticks = 0;
  ticker = new Ticker(
    async () => {
      ticks++;
      if (ticks === 1) throw new Error('boom');
    },
    () => 1,
  );
  await expect(ticker.tickNow()).rejects.toThrow('boom');
  await ticker.tickNow();
  expect(ticks).toBe(2);
  expect(ticker.running).toBe(false);
  expect(ticker.stopped).toBe(false);
  await sleep(20);
  expect(ticks).toBe(2);
});
