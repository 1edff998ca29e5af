// Preloaded (`node --require`, through NODE_OPTIONS) into a process a test starts: when that process
// exits it writes the files of every CommonJS module it loaded to EDIGW_TEST_MODULES_OUT, so the test
// can check what the process pulled in (test/pipeline/process-child.test.ts).
const out = process.env.EDIGW_TEST_MODULES_OUT;
if (out)
  process.once('exit', () => {
    require('node:fs').writeFileSync(out, JSON.stringify(Object.keys(require.cache)));
  });
