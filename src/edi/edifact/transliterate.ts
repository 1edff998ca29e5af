/**
 * Letters with no decomposition to a base letter, and the punctuation word processors put into names
 * and notes, with what a reader of the lower syntax level would write instead.
 */
const SPELLED: Record<string, string> = {
  ß: 'ss',
  ẞ: 'SS',
  æ: 'ae',
  Æ: 'AE',
  œ: 'oe',
  Œ: 'OE',
  ø: 'o',
  Ø: 'O',
  ł: 'l',
  Ł: 'L',
  đ: 'd',
  Đ: 'D',
  ð: 'd',
  Ð: 'D',
  þ: 'th',
  Þ: 'TH',
  ı: 'i',
  ħ: 'h',
  Ħ: 'H',
  ŧ: 't',
  Ŧ: 'T',
  '€': 'EUR',
  '‘': "'",
  '’': "'",
  '‚': ',',
  '“': '"',
  '”': '"',
  '„': '"',
  '–': '-',
  '—': '-',
  '…': '...',
  '\u00a0': ' ',
  '·': '.',
};

/**
 * Replaces each character `fits` refuses by its nearest equivalent: a spelled-out form, else the base
 * letters of its compatibility decomposition (é → e, ﬁ → fi), else upper case where only that fits
 * (UNOA). A character with none of these is kept, so the caller's check still finds and reports it.
 */
export function transliterate(text: string, fits: (s: string) => boolean): string {
  let out = '';
  for (const ch of text) {
    if (fits(ch)) {
      out += ch;
      continue;
    }
    const tries = [SPELLED[ch], ch.normalize('NFKD').replace(/\p{M}/gu, ''), ch.toUpperCase()];
    const base = tries.find((t) => t !== undefined && t !== '' && fits(t));
    const upper = base === undefined ? tries.map((t) => t?.toUpperCase()).find((t) => t && fits(t)) : undefined;
    out += base ?? upper ?? ch;
  }
  return out;
}
