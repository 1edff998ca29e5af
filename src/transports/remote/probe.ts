/**
 * The connectivity check of a partner's file server, whatever the protocol: log in and list the
 * configured folder, each step bounded, nothing taken or moved.
 */
import { GatewayError } from '../../errors';
import type { Probe } from '../spec';
import { remoteUrl, type RemoteAddress, type RemoteSession } from './files';

/**
 * Logs in (through `connect`, handed the bound as its login timeout) and lists `dir`. A failure the
 * protocol names (a GatewayError) is the finding; anything else is a bug and is thrown.
 */
export function remoteProbe(
  address: RemoteAddress,
  dir: string,
  connect: (timeoutMs: number) => Promise<RemoteSession>,
  timeoutMs: number,
): Probe {
  return {
    target: remoteUrl(address, dir),
    run: async () => {
      let session: RemoteSession | undefined;
      try {
        session = await withDeadline<RemoteSession>(
          connect(timeoutMs),
          timeoutMs,
          `logging in to ${remoteUrl(address)}`,
          (late) => void late.close().catch(() => undefined),
        );
        const files = await withDeadline(
          session.listFiles(dir, () => true),
          timeoutMs,
          `listing ${remoteUrl(address, dir)}`,
        );
        return {
          ok: true,
          result: `logged in and listed ${dir}: ${files.length} file${files.length === 1 ? '' : 's'}`,
          files: files.length,
        };
      } catch (e) {
        if (!(e instanceof GatewayError)) throw e;
        return { ok: false, result: e.message, error: { code: e.code, message: e.message } };
      } finally {
        await session?.close().catch(() => undefined);
      }
    },
  };
}

/** A promise that settles by `ms` at the latest; what resolves after the deadline is handed to `late` to be let go. */
function withDeadline<T>(p: Promise<T>, ms: number, doing: string, late?: (v: T) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let over = false;
    const timer = setTimeout(() => {
      over = true;
      reject(new GatewayError('EDIGW_CHECK_FAILED', `${doing}: no answer within ${ms / 1000}s`));
    }, ms);
    p.then(
      (v) => {
        clearTimeout(timer);
        if (over) late?.(v);
        else resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        if (!over) reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}
