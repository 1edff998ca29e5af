import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The console's sign-in sessions, in memory: a restart signs everyone out, which is acceptable for an
 * ops console and keeps session ids out of the database and its backups. A session ends at a fixed
 * time after sign-in, not on activity, so a stolen cookie is worth a bounded time.
 */

export type Role = 'operator' | 'auditor';

/** Who is signed in: what `authenticate` answers for a valid token. */
export interface Principal {
  name: string;
  role: Role;
}

export interface Session {
  id: string;
  principal: Principal;
  /** Sent back with every POST (header or form field): a cross-site page cannot read it. */
  csrf: string;
  expiresAt: number;
}

export const SESSION_COOKIE = 'edigw_session';
export const DEFAULT_SESSION_TTL_MS = 8 * 60 * 60 * 1000;

/** 256 random bits, URL-safe: neither guessable nor in need of escaping in a cookie or a header. */
const randomId = () => randomBytes(32).toString('base64url');

export class Sessions {
  private readonly byId = new Map<string, Session>();

  constructor(
    private readonly ttlMs = DEFAULT_SESSION_TTL_MS,
    private readonly now: () => number = Date.now,
  ) {}

  create(principal: Principal): Session {
    this.sweep();
    const session = { id: randomId(), principal, csrf: randomId(), expiresAt: this.now() + this.ttlMs };
    this.byId.set(session.id, session);
    return session;
  }

  /** The live session with this id; an expired one is forgotten on the way. */
  get(id: string | undefined): Session | undefined {
    if (id === undefined) return undefined;
    const s = this.byId.get(id);
    if (s && s.expiresAt <= this.now()) {
      this.byId.delete(id);
      return undefined;
    }
    return s;
  }

  end(id: string): void {
    this.byId.delete(id);
  }

  get size(): number {
    return this.byId.size;
  }

  /** Forgets expired sessions; run at each sign-in, so memory stays bounded by the sessions still live. */
  private sweep(): void {
    const now = this.now();
    for (const [id, s] of this.byId) if (s.expiresAt <= now) this.byId.delete(id);
  }
}

/** Constant-time comparison of a presented CSRF token with the session's (hashed first: equal lengths). */
export function csrfMatches(session: Session, given: string | undefined): boolean {
  if (!given) return false;
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(session.csrf).digest();
  return timingSafeEqual(a, b);
}

/** One cookie's value from a Cookie header, or undefined. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
