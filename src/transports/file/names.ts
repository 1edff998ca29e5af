/** File-name rules shared by the file watcher and the file sender. */
import { GatewayError } from '../../errors';

/**
 * A tiny glob: `*` is any run of characters, `?` is one character, everything else is literal.
 * Matches the whole name, case-sensitively; no path separators, no braces or classes.
 */
export function globMatcher(pattern: string): (name: string) => boolean {
  const source = pattern
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[\\^$.|+()[\]{}]/g, '\\$&')))
    .join('');
  const re = new RegExp(`^${source}$`, 's');
  return (name) => re.test(name);
}

const IN_PROGRESS = /\.(part|tmp|filepart)$/i;

/** Names a writer is still working on, or that are hidden: never taken in. */
export function isIgnoredName(name: string): boolean {
  return name.startsWith('.') || IN_PROGRESS.test(name);
}

/** `po.edi` → `po-1.edi`; `README` → `README-1`; `.x` keeps its leading dot as part of the stem. */
export function withSuffix(name: string, n: number): string {
  if (n === 0) return name;
  const dot = name.lastIndexOf('.');
  return dot > 0 ? `${name.slice(0, dot)}-${n}${name.slice(dot)}` : `${name}-${n}`;
}

/** A plain file name: no folders, not empty, not `.` or `..`, no NUL. */
export function isPlainName(name: string): boolean {
  return name.length > 0 && name !== '.' && name !== '..' && !/[/\\\0]/.test(name);
}

export function errnoCode(err: unknown): string | undefined {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Maps a file-system error to the catalogue: permissions are permanent, space and the rest transient. */
export function fileError(err: unknown, context: string): GatewayError {
  if (err instanceof GatewayError) return err;
  switch (errnoCode(err)) {
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return new GatewayError('EDIGW_FILE_DENIED', context, { cause: err });
    case 'ENOSPC':
    case 'EDQUOT':
      return new GatewayError('EDIGW_FILE_NO_SPACE', context, { cause: err });
    default:
      return new GatewayError('EDIGW_FILE_IO', context, { cause: err });
  }
}
