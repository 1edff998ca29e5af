import type { Io } from './io';
import { profilesFor, reportProfileIssues, streamFile } from './input';
import type { Diagnostic } from '../edi/model';
import { ModelJsonWriter } from './json-writer';

const failing = (list: Diagnostic[]) => list.some((d) => d.severity === 'error');

/**
 * `parse FILE`: the canonical model as JSON; exit 1 when any error was found (the JSON is still printed).
 * Written while the file streams, one transaction set at a time.
 */
export async function parseCommand(
  file: string,
  o: { profiles?: string; envelope?: boolean },
  io: Io,
): Promise<number> {
  const level = o.envelope ? 'envelope' : 'full';
  const profiles = level === 'full' ? profilesFor(o.profiles) : undefined;
  const json = new ModelJsonWriter(file, io.out);
  const diagnostics: Diagnostic[] = [];
  let failed = false;
  for await (const event of streamFile(file, { level, ...(profiles ? { profiles: profiles.set } : {}) })) {
    switch (event.kind) {
      case 'diagnostic':
        diagnostics.push(event.diagnostic);
        break;
      case 'transaction':
        failed ||= failing(event.transaction.errors);
        json.transaction(event.transaction, event.group, event.interchange);
        await io.drain?.();
        break;
      case 'interchange-end': {
        const ic = event.interchange;
        failed ||= failing(ic.errors) || ic.groups.some((g) => failing(g.errors));
        json.interchangeEnd(ic);
        break;
      }
      default:
        break;
    }
  }
  if (profiles) reportProfileIssues(profiles, io);
  json.end(diagnostics);
  return failed || failing(diagnostics) ? 1 : 0;
}
