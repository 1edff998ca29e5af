import type { Io } from './main';
import { parseFile, profilesFor, readInput, reportProfileIssues } from './input';
import { allDiagnostics } from '../edi/model';

/** `parse FILE`: the canonical model as JSON; exit 1 when any error was found (the JSON is still printed). */
export function parseCommand(file: string, o: { profiles?: string; envelope?: boolean }, io: Io): number {
  const buf = readInput(file);
  const level = o.envelope ? 'envelope' : 'full';
  const profiles = level === 'full' ? profilesFor(o.profiles) : undefined;
  const result = parseFile(file, buf, { level, ...(profiles ? { profiles: profiles.set } : {}) });
  if (profiles) reportProfileIssues(profiles, io);
  io.out(JSON.stringify({ file, interchanges: result.interchanges, diagnostics: result.diagnostics }, null, 2) + '\n');
  const failed = result.diagnostics.some((d) => d.severity === 'error') || result.interchanges.some((ic) => allDiagnostics(ic).some((d) => d.severity === 'error'));
  return failed ? 1 : 0;
}
