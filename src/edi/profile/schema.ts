import { z } from 'zod';

/**
 * The profile format (docs/profiles.md): one YAML file per transaction set and version, with the
 * implementation guide's loop ids. This schema is the only definition of that format.
 */

/** M mandatory, O optional, C conditional (optional, governed by `rules`), N not used. */
export const usage = z.enum(['M', 'O', 'C', 'N']);
export type Usage = z.infer<typeof usage>;

/** X12: AN ID N N0-N9 R DT TM B; EDIFACT: a n an. */
export const elementType = z.enum([
  'AN',
  'ID',
  'N',
  'N0',
  'N1',
  'N2',
  'N3',
  'N4',
  'N5',
  'N6',
  'N7',
  'N8',
  'N9',
  'R',
  'DT',
  'TM',
  'B',
  'a',
  'n',
  'an',
]);
export type ElementType = z.infer<typeof elementType>;

const codeList = z.array(z.string()).min(1);

/**
 * A check beyond type, length and codes that a guide puts on a value: `gs1-check-digit`, all digits
 * and ending in a valid GS1 mod-10 check digit (a GLN, GTIN or SSCC position of an EANCOM guide).
 */
export const valueFormat = z.enum(['gs1-check-digit']);
export type ValueFormat = z.infer<typeof valueFormat>;

export const componentDef = z.strictObject({
  ref: z.string().optional(),
  name: z.string().optional(),
  usage: usage.default('O'),
  type: elementType.default('AN'),
  min: z.number().int().nonnegative().default(0),
  max: z.number().int().positive().optional(),
  codes: codeList.optional(),
  format: valueFormat.optional(),
});
export type ComponentDef = z.infer<typeof componentDef>;

export const elementDef = z.strictObject({
  ref: z.string().optional(),
  name: z.string().optional(),
  usage: usage.default('O'),
  type: elementType.default('AN'),
  min: z.number().int().nonnegative().default(0),
  max: z.number().int().positive().optional(),
  codes: codeList.optional(),
  format: valueFormat.optional(),
  /** How many times the element may repeat (X12 repetition separator / EDIFACT syntax 4). */
  repeat: z.number().int().positive().default(1),
  /** Present for a composite: its components in order. */
  composite: z.array(componentDef).min(1).optional(),
});
export type ElementDef = z.infer<typeof elementDef>;

/** X12 syntax notes such as P0102 (paired), R0203 (at least one), E0405 (exclusive), C0304, L010203. */
export const syntaxRule = z
  .string()
  .regex(/^[PRECL](\d\d){2,}$/, 'a syntax rule is a letter P R E C L then two-digit positions, e.g. P0102');

export const segmentDef = z.strictObject({
  name: z.string().optional(),
  elements: z.array(elementDef),
  rules: z.array(syntaxRule).optional(),
});
export type SegmentDef = z.infer<typeof segmentDef>;

export const segmentEntry = z.strictObject({
  segment: z.string().regex(/^[A-Z][A-Z0-9]{1,2}$/),
  name: z.string().optional(),
  usage: usage.default('O'),
  /** Maximum uses at this position; absent means 1, 'unbounded' means no limit. */
  max: z.union([z.number().int().positive(), z.literal('unbounded')]).default(1),
  /** Element values that single this position out from others with the same tag (NM101: ['85']). */
  match: z.record(z.string().regex(/^[A-Z][A-Z0-9]{1,2}\d{2}$/), codeList).optional(),
  /** Definitions for this position only, replacing the dictionary's. */
  elements: z.array(elementDef).optional(),
  rules: z.array(syntaxRule).optional(),
});
export type SegmentEntry = z.infer<typeof segmentEntry>;

export interface LoopEntry {
  loop: string;
  name?: string;
  usage: Usage;
  max: number | 'unbounded';
  structure: StructureEntry[];
}
export type StructureEntry = SegmentEntry | LoopEntry;

export const loopEntry: z.ZodType<LoopEntry, unknown> = z.lazy(() =>
  z.strictObject({
    loop: z.string().min(1),
    name: z.string().optional(),
    usage: usage.default('O'),
    max: z.union([z.number().int().positive(), z.literal('unbounded')]).default(1),
    structure: z.array(structureEntry).min(1),
  }),
);

export const structureEntry: z.ZodType<StructureEntry, unknown> = z.lazy(() => z.union([segmentEntry, loopEntry]));

export const profile = z.strictObject({
  standard: z.enum(['x12', 'edifact']),
  /** X12: the GS08 version the profile is written for ('004010'); EDIFACT: 'D96A'. */
  version: z.string().min(1),
  /** Other version strings this profile answers to (CONTRL is sent as D:3 and D96A alike). */
  aliases: z.array(z.string()).optional(),
  /** X12 ST01 / EDIFACT message type (UNH S009 0065). */
  type: z.string().min(1),
  /** Implementation guide reference (X12 ST03 / GS08 suffix, e.g. 005010X222A1). */
  implementation: z.string().optional(),
  name: z.string().optional(),
  /** Where the facts came from (standard, guide, generator). */
  source: z.string().optional(),
  segments: z.record(z.string(), segmentDef).default({}),
  structure: z.array(structureEntry).min(1),
});
export type Profile = z.infer<typeof profile>;

export function isLoop(e: StructureEntry): e is LoopEntry {
  return 'loop' in e;
}
