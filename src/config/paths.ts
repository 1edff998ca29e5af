import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

let root: string | undefined;

/** The installed package's folder (where profiles/ ships), found from this file whether built or not. */
export function packageRoot(): string {
  if (root) return root;
  let dir = __dirname;
  while (true) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && JSON.parse(readFileSync(pkg, 'utf8')).name === 'edi-gateway') return (root = dir);
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the edi-gateway package folder');
    dir = up;
  }
}
