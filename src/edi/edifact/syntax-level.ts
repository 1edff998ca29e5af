import type { Interchange } from '../model';
import { describeChar, edifactCharset, firstUnencodable } from '../charset';
import { mapValues } from '../interchange-text';
import { type TextProblem, TextRefused } from '../text-refused';
import { transliterate } from './transliterate';

/**
 * ISO 9735 syntax levels: what each UNB syntax identifier lets the data hold. Levels A and B are the
 * ISO 646 subsets the standard lists (B adds lower case); C to K are the graphic characters of their
 * ISO 8859 part; W and Y are ISO 10646 (written as UTF-8). No level carries control characters: our
 * reader, like most, takes line breaks inside a segment for layout, so they would not come back.
 */
const LEVEL_A = /^[A-Z0-9 .,\-()/='+:?!"%&*;<>]*$/;
const LEVEL_B = /^[A-Za-z0-9 .,\-()/='+:?!"%&*;<>]*$/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** The levels the writer picks from, lowest first, when the partner pins none. */
export const AUTO_LEVELS = ['UNOA', 'UNOB', 'UNOC', 'UNOW'] as const;

const LEVEL_NAMES: Record<string, string> = {
  UNOA: 'level A: upper-case letters, digits, space and . , - ( ) / = \' + : ? ! " % & * ; < >',
  UNOB: 'level B: letters, digits, space and . , - ( ) / = \' + : ? ! " % & * ; < >',
  UNOW: 'UTF-8',
  UNOY: 'UTF-8',
};

export function levelName(id: string): string {
  return LEVEL_NAMES[id] ?? edifactCharset(id)?.toUpperCase() ?? id;
}

/** The index of the first character of text the syntax level does not carry, or -1. */
export function firstNotCarried(text: string, id: string): number {
  if (id === 'UNOA' || id === 'UNOB') {
    if ((id === 'UNOA' ? LEVEL_A : LEVEL_B).test(text)) return -1;
    const re = id === 'UNOA' ? LEVEL_A : LEVEL_B;
    for (let i = 0; i < text.length; i++) if (!re.test(text[i])) return i;
    return -1;
  }
  const cs = edifactCharset(id);
  if (!cs) return 0;
  const control = CONTROL.exec(text);
  const bad = firstUnencodable(text, cs);
  if (!control) return bad;
  return bad < 0 ? control.index : Math.min(bad, control.index);
}

export interface SyntaxChoice {
  /** A syntax identifier the partner pins (`UNOC`, or `UNOC:3` with its version); absent: the lowest that carries the text. */
  syntax?: string;
  /** Replace what the level cannot carry by its nearest letters (é → e, ß → ss, Ł → L) instead of refusing. */
  transliterate?: boolean;
  /** Without a UNA, level B means other service characters (IS1-IS4); the writer then skips it. */
  una?: boolean;
  /** Told of each value transliteration changed, with its place: what a translator alters, it says. */
  onTransliterated?: (change: TextProblem) => void;
}

/**
 * Sets a built interchange's UNB syntax identifier to the level its text needs: the lowest of UNOA,
 * UNOB, UNOC and UNOW that carries every value, or the one the partner pins. Text the pinned level
 * cannot carry is transliterated where the partner asks for it, else refused with every place it is
 * (TextRefused): a document is never written with other characters than it holds.
 */
export function fitSyntaxLevel(ic: Interchange, choice: SyntaxChoice = {}): Interchange {
  const [pinned, pinnedVersion] = (choice.syntax ?? '').split(':');
  const skipUnb = (id: string, element: number) => id === 'UNB' && element === 1;
  let level: string;
  if (pinned) {
    level = pinned.toUpperCase();
    if (!edifactCharset(level)) throw new TextRefused([unbProblem(`syntax identifier ${level} is not one we write`)]);
  } else {
    const candidates = AUTO_LEVELS.filter((l) => l !== 'UNOB' || choice.una !== false);
    let lowest = 0;
    mapValues(
      ic,
      (v) => {
        while (lowest < candidates.length - 1 && firstNotCarried(v, candidates[lowest]) >= 0) lowest++;
        return undefined;
      },
      skipUnb,
    );
    level = candidates[lowest];
  }
  const problems: TextProblem[] = [];
  mapValues(
    ic,
    (v, at) => {
      let value = v;
      let bad = firstNotCarried(value, level);
      if (bad < 0) return undefined;
      if (choice.transliterate) {
        value = transliterate(value, (s) => firstNotCarried(s, level) < 0);
        bad = firstNotCarried(value, level);
        if (bad < 0) {
          choice.onTransliterated?.({
            ...at,
            reason: `${JSON.stringify(v)} written as ${JSON.stringify(value)} (not in ${level}; transliterate: true)`,
          });
          return value;
        }
      }
      problems.push({
        ...at,
        reason: `${describeChar(value, bad)} is not in ${level} (${levelName(level)})${
          pinned
            ? choice.transliterate
              ? ' and has no transliteration'
              : ', the syntax the partner pins (outbound.edifact.syntax; transliterate: true replaces what it can)'
            : ''
        }`,
      });
      return undefined;
    },
    skipUnb,
  );
  if (problems.length) throw new TextRefused(problems);
  const s001 = ic.header.elements[0];
  const version = pinnedVersion || (Array.isArray(s001) ? s001[1] : undefined) || ic.syntax.version || '3';
  ic.header.elements[0] = [level, version];
  ic.syntax = { ...ic.syntax, charset: level, version };
  return ic;
}

function unbProblem(reason: string): TextProblem {
  return { position: 1, segmentId: 'UNB', element: 1, component: 1, reason };
}
