import type { z } from 'zod';

/**
 * Marks a value that logs, reports and the admin API must never show: `redactPartner` replaces it.
 * Transports mark their own settings with it, since they own their part of the partner file.
 */
export const secret = <T extends z.ZodType>(schema: T, description: string): T =>
  schema.meta({ secret: true, description });
