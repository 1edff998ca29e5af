import { readFileSync } from 'node:fs';
import jsonata from 'jsonata';

/** What jsonata attaches to the errors it throws, compiling or evaluating. */
export interface JsonataError {
  code?: string;
  position?: number;
  token?: string;
  message: string;
}

/** The 1-based line and column of the character at `offset`. */
export function lineColAt(text: string, offset: number): { line: number; column: number } {
  const at = Math.min(text.length, Math.max(0, offset));
  const before = text.slice(0, at);
  return { line: before.split('\n').length, column: at - before.lastIndexOf('\n') };
}

/**
 * Where in a map's text a JSONata error points. jsonata's `position` is the offset just past the
 * token it stopped at, so the character it blames is the one before.
 */
export function mapErrorAt(text: string, position: number): { line: number; column: number } {
  return lineColAt(text, position - 1);
}

/** `:line:col` for a JSONata error that carries a position, else nothing. */
export function mapErrorSuffix(text: string, e: JsonataError): string {
  if (typeof e.position !== 'number') return '';
  const at = mapErrorAt(text, e.position);
  return `:${at.line}:${at.column}`;
}

export interface MapCheck {
  /** Why the map does not compile (jsonata's words and code), and where in the map file, when jsonata says. */
  syntax?: { message: string; line?: number; column?: number };
  /** Each `$xref('name', …)` with a literal table name, and where in the map it is. */
  xrefs: Array<{ table: string; line: number; column: number }>;
}

/** What an xref table may be called: its file is partners/xref/<name>.csv, and no other. */
export const XREF_TABLE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

// A literal first argument only: a name computed at run time cannot be checked before it runs.
const XREF_CALL = /\$xref\(\s*(['"])([^'"\\]*)\1/g;

/** Compiles a map file as JSONata and lists the xref tables it names (best effort). */
export function checkMapFile(file: string): MapCheck {
  const text = readFileSync(file, 'utf8');
  const out: MapCheck = { xrefs: [] };
  try {
    jsonata(text);
  } catch (e) {
    const je = e as JsonataError;
    out.syntax = {
      message: `${je.message}${je.code ? ` (${je.code})` : ''}`,
      ...(typeof je.position === 'number' ? mapErrorAt(text, je.position) : {}),
    };
  }
  for (const m of text.matchAll(XREF_CALL)) {
    // The name itself: the match ends with its closing quote.
    const at = lineColAt(text, m.index + m[0].length - 1 - m[2].length);
    out.xrefs.push({ table: m[2], ...at });
  }
  return out;
}
