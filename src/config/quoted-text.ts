import { z } from 'zod';

/**
 * Text that YAML would read as a number if left unquoted (`004010` becomes 4010, a DUNS number an
 * integer): asks for quotes instead of reporting "expected string".
 */
export const quotedText = (example: string) =>
  z.string({
    error: (iss) =>
      iss.input === undefined
        ? undefined
        : `write it as text in quotes, like '${example}' (unquoted, YAML reads a number and drops leading zeros)`,
  });
