/**
 * Who is calling the admin API, and what they may do. Users come from gateway.yaml `admin.users`
 * (plus `admin.token`, an operator named `admin`). A user's token is held in clear (`token`) or as a
 * scrypt hash (`tokenHash`, the scheme of SFTP passwords, src/password-hash.ts).
 *
 * Finding the user of a presented token costs at most one scrypt:
 * - clear tokens are compared with every clear user's, each by SHA-256 then timingSafeEqual (cheap,
 *   constant time, and it tells nothing of length);
 * - a hashed user presents `<name>:<token>`: the name picks the one hash to check, so a wrong token
 *   never runs scrypt once per hashed user. An unknown name runs the same scrypt against a decoy, so
 *   timing does not tell which names exist;
 * - a token that passed scrypt is remembered (its SHA-256, never the token) for CACHE_MS, so a console
 *   that makes a request a second does not pay ~0.1 s of scrypt for each;
 * - at most SCRYPT_AT_ONCE checks run at once (the rest wait their turn), so a flood of wrong tokens
 *   cannot take all of libuv's threads, which file intake needs too.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { GatewayError } from '../errors';
import { LoginLimiter } from '../login-limiter';
import { verifyPassword } from '../password-hash';

export type AdminRole = 'operator' | 'auditor';

export interface AdminUser {
  name: string;
  role: AdminRole;
}

/** A user as gateway.yaml gives it: a clear token or a tokenHash. */
export interface AdminUserSpec extends AdminUser {
  token?: string | undefined;
  tokenHash?: string | undefined;
}

/** Who did something, as the audit trail records it. */
export interface Actor extends AdminUser {
  requestId: string;
}

/** The name `admin.token` (and EDI_GATEWAY_TOKEN) acts under. */
export const TOKEN_USER = 'admin';

/** How long a token that passed scrypt is trusted without running scrypt again. */
export const CACHE_MS = 5 * 60_000;
/** Verified tokens remembered at most; the oldest goes first. */
const CACHE_MAX = 1000;
/** scrypt checks at a time (~32 MiB and ~0.1 s each). */
const SCRYPT_AT_ONCE = 2;

const sha256 = (s: string) => createHash('sha256').update(s).digest();

export interface Authenticator {
  /** Whether anyone at all can sign in: with no user and no token, /api is off. */
  readonly enabled: boolean;
  /**
   * The user whose token this is, or undefined. With `from` (the client's address), an address that
   * failed too often lately is refused with EDIGW_ADMIN_RATE_LIMITED, whatever it presents.
   */
  authenticate(presented: string, from?: string): Promise<AdminUser | undefined>;
}

/** An address refused for its failed sign-ins: answered 429 with Retry-After. */
export class RateLimited extends GatewayError {
  constructor(
    from: string,
    readonly retryAfterS: number,
  ) {
    super('EDIGW_ADMIN_RATE_LIMITED', `from ${from}: try again in ${retryAfterS} s`);
  }
}

/** Failed sign-ins from one address within the window that stop it, for FAILED_BLOCK_MS. */
export const FAILED_MAX = 10;
export const FAILED_WINDOW_MS = 60_000;
export const FAILED_BLOCK_MS = 5 * 60_000;

/**
 * Counts failed authentications per client address (the console's sign-in, /api and /metrics alike):
 * past FAILED_MAX in a minute the address is refused for five minutes, logged once. Guessing tokens
 * stays slow, and a flood of `name:token` guesses cannot keep scrypt busy.
 */
export function limitFailures(
  auth: Authenticator,
  logger: AuthLogger,
  clock: () => number = Date.now,
  limiter = new LoginLimiter({ max: FAILED_MAX, windowMs: FAILED_WINDOW_MS, blockMs: FAILED_BLOCK_MS, clock }),
): Authenticator {
  return {
    enabled: auth.enabled,
    async authenticate(presented, from) {
      if (from === undefined) return auth.authenticate(presented);
      const wait = limiter.blockedFor(from);
      if (wait > 0) throw new RateLimited(from, Math.ceil(wait / 1000));
      const user = await auth.authenticate(presented);
      if (!user && limiter.fail(from))
        logger.warn(
          { ip: from, failures: FAILED_MAX, blockedForS: FAILED_BLOCK_MS / 1000 },
          'admin: too many failed sign-ins from one address; it is refused for a while',
        );
      return user;
    },
  };
}

/** The users of `admin.users` plus the legacy `admin.token` (an operator), when set. */
export function adminUsers(token: string | undefined, users: readonly AdminUserSpec[] = []): AdminUserSpec[] {
  // An empty token could never be presented (the header would read just "Bearer"): it counts as unset.
  return token ? [{ name: TOKEN_USER, role: 'operator', token }, ...users] : [...users];
}

export function createAuthenticator(
  users: readonly AdminUserSpec[],
  clock: () => number = Date.now,
  verify: (token: string, hash: string | undefined) => Promise<boolean> = verifyPassword,
): Authenticator {
  const clear = users
    .filter((u) => u.token !== undefined)
    .map((u) => ({ user: { name: u.name, role: u.role }, digest: sha256(u.token!) }));
  const hashed = new Map(
    users
      .filter((u) => u.tokenHash !== undefined)
      .map((u) => [u.name, { user: { name: u.name, role: u.role }, hash: u.tokenHash! }]),
  );
  const verified = new Map<string, { user: AdminUser; until: number }>();
  let running = 0;
  const waiting: Array<() => void> = [];
  const limited = async <T>(work: () => Promise<T>): Promise<T> => {
    if (running >= SCRYPT_AT_ONCE) await new Promise<void>((go) => waiting.push(go));
    running++;
    try {
      return await work();
    } finally {
      running--;
      waiting.shift()?.();
    }
  };

  return {
    enabled: users.length > 0,
    async authenticate(presented) {
      if (presented.length === 0 || presented.length > 1024) return undefined;
      const digest = sha256(presented);
      // Every clear user is compared, a match or not, so the time taken does not say which one matched.
      let found: AdminUser | undefined;
      for (const c of clear) if (timingSafeEqual(digest, c.digest)) found ??= c.user;
      if (found) return found;
      const colon = presented.indexOf(':');
      if (colon <= 0 || hashed.size === 0) return undefined;
      const key = digest.toString('base64');
      const cached = verified.get(key);
      if (cached && cached.until > clock()) return cached.user;
      if (cached) verified.delete(key);
      const entry = hashed.get(presented.slice(0, colon));
      const ok = await limited(() => verify(presented.slice(colon + 1), entry?.hash));
      if (!ok || !entry) return undefined;
      if (verified.size >= CACHE_MAX) verified.delete(verified.keys().next().value!);
      verified.set(key, { user: entry.user, until: clock() + CACHE_MS });
      return entry.user;
    },
  };
}

type Locals = { requestId: string; user?: AdminUser };

/** The signed-in user of a request that passed `requireUser`. */
export function userOf(res: Response): AdminUser {
  const user = (res.locals as Locals).user;
  if (!user) throw new Error('userOf: the request passed no authentication');
  return user;
}

/** The user and request id, as audit events record them. */
export function actorOf(res: Response): Actor {
  return { ...userOf(res), requestId: (res.locals as Locals).requestId };
}

export interface AuthLogger {
  warn(obj: object, msg: string): void;
}

/**
 * The /api gate: the bearer token's user goes on res.locals, or the request is refused (401, or 503
 * when no user exists at all) through `refuse`, which answers without logging it as a failure: one
 * warn line per bad token is enough.
 */
export function requireUser(
  auth: Authenticator,
  logger: AuthLogger,
  refuse: (res: Response, err: GatewayError) => void,
) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    // Signed in already: the console's session cookie (console/router.ts apiSession).
    if ((res.locals as Locals).user) return next();
    const path = req.originalUrl.split('?')[0];
    if (!auth.enabled) return refuse(res, new GatewayError('EDIGW_ADMIN_TOKEN_UNSET', `${req.method} ${path}`));
    const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(req.get('authorization') ?? '');
    const user = m ? await auth.authenticate(m[1], req.ip ?? req.socket.remoteAddress ?? '') : undefined;
    if (!user) {
      logger.warn(
        { method: req.method, path, ip: req.ip, requestId: (res.locals as Locals).requestId, presented: m !== null },
        'admin: request without a valid token',
      );
      return refuse(res, new GatewayError('EDIGW_ADMIN_UNAUTHORIZED', `${req.method} ${path}`));
    }
    (res.locals as Locals).user = user;
    next();
  };
}

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Reads are for every role; anything else (replay, submit, send, check) only for operators. */
export function operatorsAct(req: Request, res: Response, next: NextFunction): void {
  if (READS.has(req.method)) return next();
  const user = userOf(res);
  if (user.role !== 'operator') {
    return next(
      new GatewayError(
        'EDIGW_ADMIN_FORBIDDEN',
        `${req.method} ${req.originalUrl.split('?')[0]} by ${user.name} (${user.role})`,
      ),
    );
  }
  next();
}
