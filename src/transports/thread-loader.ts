/**
 * Starts a worker thread on one of our modules, compiled (dist/) or, under the test runner, from the
 * TypeScript sources: the thread then compiles them as it loads them, with the same compiler and
 * settings as the test runner (@swc/core, a dev dependency).
 */
import { Worker, type WorkerOptions } from 'node:worker_threads';

/** `entry` is the module's path with the extension of the caller's own file (`.js` built, `.ts` in tests). */
export function startThread(entry: string, options: WorkerOptions = {}): Worker {
  if (entry.endsWith('.js')) return new Worker(entry, options);
  const bootstrap = `
const { readFileSync } = require('node:fs');
const swc = require(${JSON.stringify(require.resolve('@swc/core'))});
const options = {
  jsc: { parser: { syntax: 'typescript', decorators: true }, transform: { legacyDecorator: true, decoratorMetadata: true }, target: 'es2022' },
  module: { type: 'commonjs' },
};
require.extensions['.ts'] = (module, file) => module._compile(swc.transformSync(readFileSync(file, 'utf8'), { ...options, filename: file }).code, file);
require(${JSON.stringify(entry)});
`;
  return new Worker(bootstrap, { ...options, eval: true });
}
