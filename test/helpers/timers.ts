/**
 * Runs `f` with setTimeout held: faked and never advanced. What `f` awaits must then come from
 * events, not from a timer running out; code that waited for a grace period or a timeout instead
 * hangs here and fails by the test's timeout, where a wall-clock bound would pass it late or flake.
 */
export async function withTimeoutsHeld<T>(f: () => Promise<T>): Promise<T> {
  jest.useFakeTimers({
    doNotFake: [
      'Date',
      'hrtime',
      'nextTick',
      'performance',
      'queueMicrotask',
      'setImmediate',
      'clearImmediate',
      'setInterval',
      'clearInterval',
    ],
  });
  try {
    return await f();
  } finally {
    jest.useRealTimers();
  }
}
