import type { Io } from './io';
import { LineCounter, profilesFor, reportProfileIssues, streamFile } from './input';
import type { Diagnostic, Interchange } from '../edi/model';
import { diagnostic, formatDiagnostic } from '../edi/diagnostic';

/** A diagnostic waiting for its turn: printed by offset, ties in the order the whole model would list them. */
interface Pending {
  d: Diagnostic;
  key: number;
  /** [0, n] outside interchanges; [1, interchange, group (-1 for its own), set (-1 for the group's own), n]. */
  rank: number[];
}

function before(a: Pending, b: Pending): number {
  if (a.key !== b.key) return a.key - b.key;
  for (let i = 0; i < Math.min(a.rank.length, b.rank.length); i++)
    if (a.rank[i] !== b.rank[i]) return a.rank[i] - b.rank[i];
  return a.rank.length - b.rank.length;
}

/**
 * Prints diagnostics in offset order while the file streams. Every finding the engine makes later lies
 * at or after the end of what it has handed out (a set, an interchange), so whatever lies before that
 * mark is printed and forgotten; only findings inside the open part wait.
 */
class DiagnosticPrinter {
  private pending: Pending[] = [];
  private strays = 0;
  private interchanges = -1;
  private ic: Interchange | undefined;
  private icSeen = 0;
  private groupSeen = new Map<number, number>();
  private groupFrom = 0;
  private setIndex = new Map<number, number>();
  errors = 0;
  warnings = 0;

  constructor(
    private readonly file: string,
    private readonly lines: LineCounter,
    private readonly io: Io,
  ) {}

  stray(d: Diagnostic): void {
    this.add(d, [0, this.strays++]);
  }

  /** Where each sender's interchange control numbers were first seen in this file: (sender, number) -> line. */
  private controlNumbers = new Map<string, number>();

  interchangeStart(ic: Interchange): void {
    this.flagRepeatedControlNumber(ic);
    this.ic = ic;
    this.interchanges++;
    this.icSeen = 0;
    this.groupSeen.clear();
    this.setIndex.clear();
    this.groupFrom = 0;
  }

  /**
   * ISA13 and UNB 0020 are unique per sender: one file that holds the same number twice would be
   * refused as a duplicate by a gateway that has seen the first (TA1 025, EDIFACT 0085 code 26).
   */
  private flagRepeatedControlNumber(ic: Interchange): void {
    if (!ic.controlNumber) return;
    const key = `${ic.standard} ${ic.sender.qualifier}/${ic.sender.id} ${ic.controlNumber}`;
    const first = this.controlNumbers.get(key);
    if (first === undefined) {
      this.controlNumbers.set(key, this.lines.at(ic.offset).line);
      return;
    }
    const x12 = ic.standard === 'x12';
    ic.errors.push(
      diagnostic(
        'interchange',
        x12 ? '025' : '26',
        `${x12 ? 'ISA13' : 'UNB 0020'} interchange control number ${ic.controlNumber} from ` +
          `${ic.sender.qualifier}/${ic.sender.id} is used again in this file (first on line ${first})`,
        { interchange: ic.controlNumber, offset: ic.offset, segmentId: x12 ? 'ISA' : 'UNB', element: x12 ? 13 : 5 },
      ),
    );
  }

  /** The envelope findings recorded since the last call (interchange and group errors grow as it is read). */
  private sweep(): void {
    const ic = this.ic!;
    for (; this.icSeen < ic.errors.length; this.icSeen++)
      this.add(ic.errors[this.icSeen], [1, this.interchanges, -1, this.icSeen]);
    for (let g = this.groupFrom; g < ic.groups.length; g++) {
      const errors = ic.groups[g].errors;
      let seen = this.groupSeen.get(g) ?? 0;
      for (; seen < errors.length; seen++) this.add(errors[seen], [1, this.interchanges, g, -1, seen]);
      this.groupSeen.set(g, seen);
    }
  }

  transaction(tx: { errors: Diagnostic[]; offset: number; length: number }, groupIndex: number): void {
    this.sweep();
    // Groups before the previous event's group are closed: their findings are all in.
    this.groupFrom = Math.max(this.groupFrom, groupIndex - 1, 0);
    const n = this.setIndex.get(groupIndex) ?? 0;
    this.setIndex.set(groupIndex, n + 1);
    tx.errors.forEach((d, i) => this.add(d, [1, this.interchanges, groupIndex, n, i]));
    this.print(tx.offset + tx.length);
  }

  interchangeEnd(ic: Interchange): void {
    this.groupFrom = 0;
    this.sweep();
    this.ic = undefined;
    this.print(ic.offset + ic.length);
  }

  end(): void {
    this.print(Infinity);
  }

  private add(d: Diagnostic, rank: number[]): void {
    this.pending.push({ d, key: d.location.offset ?? 0, rank });
    if (d.severity === 'error') this.errors++;
    else this.warnings++;
  }

  private print(mark: number): void {
    this.pending.sort(before);
    let n = 0;
    for (; n < this.pending.length && this.pending[n].key < mark; n++) {
      const d = this.pending[n].d;
      const at = d.location.offset !== undefined ? this.lines.at(d.location.offset) : undefined;
      this.io.out(formatDiagnostic(d, at ? `${this.file}:${at.line}:${at.column}` : this.file) + '\n');
    }
    this.pending.splice(0, n);
    this.lines.forget(this.pending.length > 0 ? Math.min(this.pending[0].key, mark) : mark);
  }
}

/**
 * `validate FILE`: envelope and profile checks, one located line per finding
 * (`FILE:line:col: error: …`), a summary, and exit 0 valid / 1 invalid. The file is streamed: lines are
 * printed as the sets they point into are read, in offset order.
 */
export async function validateCommand(file: string, o: { profiles?: string }, io: Io): Promise<number> {
  const profiles = profilesFor(o.profiles);
  const lines = new LineCounter();
  const printer = new DiagnosticPrinter(file, lines, io);
  let interchanges = 0;
  let transactions = 0;
  const unprofiled = new Set<string>();
  for await (const event of streamFile(file, { level: 'full', profiles: profiles.set }, lines)) {
    switch (event.kind) {
      case 'diagnostic':
        printer.stray(event.diagnostic);
        break;
      case 'interchange-start':
        printer.interchangeStart(event.interchange);
        break;
      case 'transaction': {
        const t = event.transaction;
        transactions++;
        if (!t.tree) unprofiled.add(`${t.type} ${t.implementation ?? t.version}`);
        printer.transaction(t, event.interchange.groups.lastIndexOf(event.group));
        await io.drain?.();
        break;
      }
      case 'interchange-end':
        interchanges++;
        printer.interchangeEnd(event.interchange);
        break;
    }
  }
  printer.end();
  reportProfileIssues(profiles, io);
  for (const u of unprofiled) io.err(`${file}: note: no profile for ${u}: envelope and syntax checks only\n`);
  io.out(
    `${file}: ${interchanges} interchange(s), ${transactions} transaction set(s): ${printer.errors} error(s), ${printer.warnings} warning(s)\n`,
  );
  return printer.errors > 0 ? 1 : 0;
}
