/**
 * Outbound `file`: writes each item into a folder atomically. The bytes go to a hidden temp file
 * (`.<name>.<random>.tmp`), are fsynced, and are then linked under the final name, which never
 * overwrites: a taken name gets `-1`, `-2`, … before its extension. The folder is fsynced last, so a
 * name that a reader sees always holds the complete bytes and survives a crash.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { GatewayError } from '../../errors';
import { syncDir } from '../../sync-dir';
import { defineOutbound, localPath, type Outbound, type OutboundDeps, type OutboundItem } from '../spec';
import { errnoCode, fileError, isPlainName, withSuffix } from './names';

export const fileSenderConfig = z.strictObject({
  dir: z.string().min(1),
});
export type FileSenderConfig = z.output<typeof fileSenderConfig>;

const MAX_SUFFIX = 10_000;

export class FileSender implements Outbound {
  constructor(
    private readonly config: FileSenderConfig,
    private readonly deps: OutboundDeps,
  ) {}

  async send(item: OutboundItem): Promise<{ remoteName: string }> {
    const dir = this.config.dir;
    const context = `writing ${item.fileName} to ${dir}`;
    if (!isPlainName(item.fileName)) throw new GatewayError('EDIGW_FILE_NAME_INVALID', context);

    const tmp = path.join(dir, `.${item.fileName}.${randomBytes(6).toString('hex')}.tmp`);
    let tmpWritten = false;
    try {
      await fs.mkdir(dir, { recursive: true });
      const fh = await fs.open(tmp, 'wx');
      tmpWritten = true;
      try {
        await fh.writeFile(item.bytes);
        await fh.sync();
      } finally {
        await fh.close();
      }
      const remoteName = await publish(tmp, dir, item.fileName);
      tmpWritten = false;
      await syncDir(dir);
      this.deps.logger.info({ dir, fileName: item.fileName, remoteName, bytes: item.bytes.length }, 'file written');
      return { remoteName };
    } catch (err) {
      if (tmpWritten) await fs.rm(tmp, { force: true }).catch(() => undefined);
      throw fileError(err, context);
    }
  }
}

/**
 * Gives the temp file its final name without overwriting anything: a hard link fails with EEXIST when
 * the name is taken, so the check and the naming are one atomic step. Where the file system has no
 * hard links, falls back to check-then-rename.
 */
async function publish(tmp: string, dir: string, fileName: string): Promise<string> {
  for (let n = 0; n < MAX_SUFFIX; n++) {
    const name = withSuffix(fileName, n);
    const target = path.join(dir, name);
    try {
      await fs.link(tmp, target);
      await fs.unlink(tmp);
      return name;
    } catch (err) {
      const code = errnoCode(err);
      if (code === 'EEXIST') continue;
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw err;
      if (await exists(target)) continue;
      await fs.rename(tmp, target);
      return name;
    }
  }
  throw new Error(`no free name after ${MAX_SUFFIX} suffixes`);
}

async function exists(p: string): Promise<boolean> {
  try {
    await fs.lstat(p);
    return true;
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return false;
    throw err;
  }
}

export const fileSender = defineOutbound({
  kind: 'file',
  config: fileSenderConfig,
  /** Written under a temporary name, then renamed. */
  partner: { key: 'file', schema: fileSenderConfig },
  settings: (s, ctx) => ({ dir: localPath(ctx.base, s.dir) }),
  create: (config, deps) => new FileSender(config, deps),
});
