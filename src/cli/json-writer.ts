import type { Diagnostic, Group, Interchange, Transaction } from '../edi/model';

/** Stands in for the array a streamed document fills in itself. */
const HOLE = '\u0000edi-gateway: streamed here\u0000';
const HOLE_JSON = JSON.stringify(HOLE);

const indent = (depth: number) => '  '.repeat(depth);

/** JSON.stringify(value, null, 2) as it reads `depth` levels down a document. */
function nested(value: unknown, depth: number): string {
  return JSON.stringify(value, null, 2).replace(/\n/g, '\n' + indent(depth));
}

/** Arrays and objects with more entries than this are written entry by entry, not as one string. */
const WHOLE_UP_TO = 64;

/** A JSON value as JSON.stringify would give it inside an object (undefined, functions: left out) or an array (null). */
function omitted(v: unknown): boolean {
  return v === undefined || typeof v === 'function' || typeof v === 'symbol';
}

/**
 * Writes `value` as JSON.stringify(value, null, 2) would at `depth`, but a large array or object
 * (a transaction set's segments, its loop tree) entry by entry, so no string holds a whole set.
 */
export function writeNested(value: unknown, depth: number, write: (s: string) => void): void {
  if (value === null || typeof value !== 'object' || typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    write(nested(value, depth));
    return;
  }
  if (Array.isArray(value)) {
    if (value.length <= WHOLE_UP_TO) {
      write(nested(value, depth));
      return;
    }
    const list = new ArrayText(depth);
    for (const v of value) {
      write(list.item(''));
      if (omitted(v)) write('null');
      else writeNested(v, depth + 1, write);
    }
    write(list.close());
    return;
  }
  const keys = Object.keys(value).filter((k) => !omitted((value as Record<string, unknown>)[k]));
  if (keys.length <= WHOLE_UP_TO && !keys.some((k) => big((value as Record<string, unknown>)[k]))) {
    write(nested(value, depth));
    return;
  }
  if (keys.length === 0) {
    write('{}');
    return;
  }
  keys.forEach((k, i) => {
    write((i === 0 ? '{\n' : ',\n') + indent(depth + 1) + JSON.stringify(k) + ': ');
    writeNested((value as Record<string, unknown>)[k], depth + 1, write);
  });
  write('\n' + indent(depth) + '}');
}

/** Whether a value is worth writing in parts (an array or object of many entries). */
function big(v: unknown): boolean {
  if (v === null || typeof v !== 'object') return false;
  return Array.isArray(v) ? v.length > WHOLE_UP_TO : Object.keys(v).length > WHOLE_UP_TO;
}

/** The text of `value` at `depth`, cut where the array `hole` goes: [before it, after it]. */
function around(value: object, hole: unknown[], depth: number): [string, string] {
  const text = JSON.stringify(value, (_k, v: unknown) => (v === hole ? HOLE : v), 2).replace(
    /\n/g,
    '\n' + indent(depth),
  );
  const at = text.indexOf(HOLE_JSON);
  return [text.slice(0, at), text.slice(at + HOLE_JSON.length)];
}

/** An array written item by item, exactly as JSON.stringify(…, null, 2) lays it out at `depth`. */
class ArrayText {
  private count = 0;
  constructor(private readonly depth: number) {}
  item(text: string): string {
    return (this.count++ === 0 ? '[\n' : ',\n') + indent(this.depth + 1) + text;
  }
  close(): string {
    return this.count === 0 ? '[]' : '\n' + indent(this.depth) + ']';
  }
}

interface OpenInterchange {
  ic: Interchange;
  groups: ArrayText;
  /** Groups of ic.groups written so far (the open one included). */
  written: number;
  group?: { g: Group; transactions: ArrayText };
}

/**
 * Writes `{ file, interchanges, diagnostics }` byte for byte as JSON.stringify(…, null, 2) would,
 * while the interchanges are read: each interchange's fields up to its groups when its first set
 * arrives, each transaction set as it is read, the rest when it ends. The parser keeps no sets
 * (retain 'none'), so the fields after them are whole by then, and the fields before them are
 * complete once the first segment after the header is read.
 */
export class ModelJsonWriter {
  private interchanges = new ArrayText(1);
  private opened = false;
  private open: OpenInterchange | undefined;

  private pending = '';

  constructor(
    private readonly file: string,
    private readonly out: (s: string) => void,
  ) {}

  /** Collects small pieces into writes of about 64 KiB. */
  private readonly write = (s: string): void => {
    this.pending += s;
    if (this.pending.length >= 65536) this.flush();
  };

  /** Hands on what is collected (after each set, so the caller can wait for the output to drain). */
  flush(): void {
    if (this.pending.length === 0) return;
    this.out(this.pending);
    this.pending = '';
  }

  transaction(tx: Transaction, g: Group, ic: Interchange): void {
    const o = this.interchange(ic);
    if (o.group?.g !== g) {
      this.closeGroup(o);
      while (o.written < ic.groups.length && ic.groups[o.written] !== g)
        this.write(o.groups.item(nested(ic.groups[o.written++], 4)));
      const [head] = around(g, g.transactions, 4);
      this.write(o.groups.item(head));
      o.written++;
      o.group = { g, transactions: new ArrayText(5) };
    }
    this.write(o.group!.transactions.item(''));
    writeNested(tx, 6, this.write);
    this.flush();
  }

  interchangeEnd(ic: Interchange): void {
    const o = this.interchange(ic);
    this.closeGroup(o);
    while (o.written < ic.groups.length) this.write(o.groups.item(nested(ic.groups[o.written++], 4)));
    this.write(o.groups.close() + around(ic, ic.groups, 2)[1]);
    this.open = undefined;
  }

  end(diagnostics: Diagnostic[]): void {
    const root = { file: this.file, interchanges: [] as unknown[], diagnostics };
    this.openDocument(root);
    this.write(this.interchanges.close() + around(root, root.interchanges, 0)[1] + '\n');
    this.flush();
  }

  private openDocument(root: { file: string; interchanges: unknown[]; diagnostics: Diagnostic[] }): void {
    if (this.opened) return;
    this.opened = true;
    this.write(around(root, root.interchanges, 0)[0]);
  }

  private interchange(ic: Interchange): OpenInterchange {
    if (this.open?.ic === ic) return this.open;
    const root = { file: this.file, interchanges: [] as unknown[], diagnostics: [] };
    this.openDocument(root);
    this.write(this.interchanges.item(around(ic, ic.groups, 2)[0]));
    this.open = { ic, groups: new ArrayText(3), written: 0 };
    return this.open;
  }

  private closeGroup(o: OpenInterchange): void {
    if (!o.group) return;
    this.write(o.group.transactions.close() + around(o.group.g, o.group.g.transactions, 4)[1]);
    o.group = undefined;
  }
}
