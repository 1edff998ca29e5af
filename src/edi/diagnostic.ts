import type { Diagnostic, DiagnosticLevel, Location, Severity } from './model';

export function diagnostic(
  level: DiagnosticLevel,
  code: string,
  message: string,
  location: Location,
  extra: { severity?: Severity; value?: string; elementRef?: string } = {},
): Diagnostic {
  const d: Diagnostic = { severity: extra.severity ?? 'error', level, code, message, location };
  if (extra.value !== undefined) d.value = extra.value;
  if (extra.elementRef !== undefined) d.elementRef = extra.elementRef;
  return d;
}

/** One line per diagnostic, as the CLI and logs print them: `source: segment 5 (N1) element 2: message [code]`. */
export function formatDiagnostic(d: Diagnostic, source?: string): string {
  const l = d.location;
  const where: string[] = [];
  if (l.interchange !== undefined) where.push(`interchange ${l.interchange}`);
  if (l.group !== undefined) where.push(`group ${l.group}`);
  if (l.transaction !== undefined) where.push(`transaction ${l.transaction}`);
  if (l.loop !== undefined) where.push(`loop ${l.loop}`);
  if (l.segment !== undefined) where.push(`segment ${l.segment}${l.segmentId ? ` (${l.segmentId})` : ''}`);
  else if (l.segmentId !== undefined) where.push(`segment ${l.segmentId}`);
  if (l.element !== undefined) {
    let e = `element ${l.element}`;
    if (l.component !== undefined) e += ` component ${l.component}`;
    if (l.repeat !== undefined) e += ` repeat ${l.repeat}`;
    where.push(e);
  }
  if (l.offset !== undefined) where.push(`byte ${l.offset}`);
  const prefix = source ? `${source}: ` : '';
  return `${prefix}${d.severity}: ${where.join(', ')}: ${d.message} [${d.level} ${d.code}]`;
}
