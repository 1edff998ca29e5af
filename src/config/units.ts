import { z } from 'zod';

const SIZE: Record<string, number> = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3 };
const TIME: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** A byte size as people write it: 100MB, 512KB, 1GB, or a plain number of bytes. */
export const byteSize = z
  .union([
    z.number().int().positive(),
    z.string().regex(/^\d+(\.\d+)?\s*(B|KB|MB|GB)$/i, 'a size like 100MB, 512KB or 1GB'),
  ])
  .transform((v) =>
    typeof v === 'number' ? v : Math.round(parseFloat(v) * SIZE[v.replace(/[\d.\s]/g, '').toUpperCase()]),
  );

/** A duration as people write it: 30s, 5m, 24h, 90d, or milliseconds. */
export const duration = z
  .union([
    z.number().int().nonnegative(),
    z.string().regex(/^\d+(\.\d+)?\s*(ms|s|m|h|d)$/, 'a duration like 30s, 5m, 24h or 90d'),
  ])
  .transform((v) => (typeof v === 'number' ? v : Math.round(parseFloat(v) * TIME[v.replace(/[\d.\s]/g, '')])));
