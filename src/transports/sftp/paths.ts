/**
 * A partner's view of the hosted SFTP server: its home is `/`, holding `inbox/`, `outbox/` and, when
 * files are archived, `archive/`. Every path a client sends is resolved here, without touching the
 * disk, into that view or refused; nothing else in the server builds a disk path from client input.
 */
import path from 'node:path';

export type Area = 'inbox' | 'outbox' | 'archive';

export const AREAS: readonly Area[] = ['inbox', 'outbox', 'archive'];

/** A path inside a partner's home, normalized. */
export interface HomePath {
  /** As the client sees it: `/`, `/inbox`, `/inbox/po.edi`. */
  virtual: string;
  /** The components below the home: [] for `/`, ['inbox', 'po.edi'] for `/inbox/po.edi`. */
  segments: string[];
  /** The area the path is in; undefined for `/` itself. */
  area?: Area;
}

/**
 * Resolves a client's path in the home. SFTP has no server-side working directory, so a relative
 * path is taken from `/`. Undefined when the path climbs above `/` (`..` past the home), names
 * something outside the areas this home shows (`/etc/passwd`), or holds a NUL byte.
 */
export function resolveHomePath(input: string, areas: readonly Area[]): HomePath | undefined {
  if (input.includes('\0')) return undefined;
  const segments: string[] = [];
  for (const part of input.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      // A chroot would quietly stop at `/`; a partner whose client climbs there has a wrong path, and
      // being told so beats landing somewhere unexpected.
      if (segments.length === 0) return undefined;
      segments.pop();
      continue;
    }
    segments.push(part);
  }
  if (segments.length === 0) return { virtual: '/', segments };
  const area = areas.find((a) => a === segments[0]);
  if (!area) return undefined;
  return { virtual: `/${segments.join('/')}`, segments, area };
}

/** The disk path of a home path; `home` is the real (symlink-free) path of the partner's home. */
export function diskPath(home: string, p: HomePath): string {
  return p.segments.length === 0 ? home : path.join(home, ...p.segments);
}

/** True for `/inbox`, `/outbox`, `/archive` themselves: they can be listed, never removed or renamed. */
export function isAreaRoot(p: HomePath): boolean {
  return p.segments.length === 1;
}

/** The name of the last component (`po.edi`), or `/` for the home itself. */
export function baseName(p: HomePath): string {
  return p.segments.length === 0 ? '/' : p.segments[p.segments.length - 1];
}

/** A partner id fit to be a folder name: it becomes `<root>/<partnerId>`. */
export function isSafeFolderName(name: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(name);
}
