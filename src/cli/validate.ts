import type { Io } from './main';
import { lineIndex, parseFile, profilesFor, readInput, reportProfileIssues } from './input';
import { type Diagnostic, allDiagnostics } from '../edi/model';
import { formatDiagnostic } from '../edi/diagnostic';

/**
 * `validate FILE`: envelope and profile checks, one located line per finding
 * (`FILE:line:col: error: …`), a summary, and exit 0 valid / 1 invalid.
 */
export function validateCommand(file: string, o: { profiles?: string }, io: Io): number {
  const buf = readInput(file);
  const profiles = profilesFor(o.profiles);
  const result = parseFile(file, buf, { level: 'full', profiles: profiles.set });
  reportProfileIssues(profiles, io);
  const where = lineIndex(buf);
  const all: Diagnostic[] = [...result.diagnostics, ...result.interchanges.flatMap(allDiagnostics)];
  all.sort((a, b) => (a.location.offset ?? 0) - (b.location.offset ?? 0));
  for (const d of all) {
    const at = d.location.offset !== undefined ? where(d.location.offset) : undefined;
    io.out(formatDiagnostic(d, at ? `${file}:${at.line}:${at.column}` : file) + '\n');
  }
  let transactions = 0;
  const unprofiled = new Set<string>();
  for (const ic of result.interchanges) {
    for (const g of ic.groups) {
      for (const t of g.transactions) {
        transactions++;
        if (!t.tree) unprofiled.add(`${t.type} ${t.implementation ?? t.version}`);
      }
    }
  }
  const errors = all.filter((d) => d.severity === 'error').length;
  const warnings = all.length - errors;
  for (const u of unprofiled) io.err(`${file}: note: no profile for ${u}: envelope and syntax checks only\n`);
  io.out(`${file}: ${result.interchanges.length} interchange(s), ${transactions} transaction set(s): ${errors} error(s), ${warnings} warning(s)\n`);
  return errors > 0 ? 1 : 0;
}
