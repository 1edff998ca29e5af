import type { Diagnostic, Group, Interchange, Transaction } from '../edi/model';

/** Stands in for the array a streamed document fills in itself. */
const HOLE = '\u0000edi-gateway: streamed here\u0000';
const HOLE_JSON = JSON.stringify(HOLE);

const indent = (depth: number) => '  '.repeat(depth);

/** JSON.stringify(value, null, 2) as it reads `depth` levels down a document. */
function nested(value: unknown, depth: number): string {
  return JSON.stringify(value, null, 2).replace(/\n/g, '\n' + indent(depth));
}

/** The text of `value` at `depth`, cut where the array `hole` goes: [before it, after it]. */
function around(value: object, hole: unknown[], depth: number): [string, string] {
  const text = JSON.stringify(value, (_k, v: unknown) => (v === hole ? HOLE : v), 2).replace(/\n/g, '\n' + indent(depth));
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

  constructor(private readonly file: string, private readonly write: (s: string) => void) {}

  transaction(tx: Transaction, g: Group, ic: Interchange): void {
    const o = this.interchange(ic);
    if (o.group?.g !== g) {
      this.closeGroup(o);
      while (o.written < ic.groups.length && ic.groups[o.written] !== g) this.write(o.groups.item(nested(ic.groups[o.written++], 4)));
      const [head] = around(g, g.transactions, 4);
      this.write(o.groups.item(head));
      o.written++;
      o.group = { g, transactions: new ArrayText(5) };
    }
    this.write(o.group!.transactions.item(nested(tx, 6)));
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
