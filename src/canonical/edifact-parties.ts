import type { Segment } from '../edi/model';
import {
  type Communication,
  type Contact,
  type DateRef,
  type Party,
  type PartyIdQualifier,
  type Reference,
  ccyymmdd,
  chunks,
  compact,
  calendarDate,
  some,
} from './common';
import {
  channels,
  contactFunctions,
  dateQualifiers,
  partyIdAgencies,
  partyRoles,
  referenceQualifiers,
} from './code-lists';
import type { Seg } from './sections';
import { c, seg, t } from './edifact-common';

/**
 * EDIFACT parties (NAD groups with their CTA/COM contacts), references (RFF) and dates (DTM) of any
 * qualifier, through the code lists of code-lists.ts.
 */

/** D-U-N-S+4 has no 3055 code of its own: it travels as agency 16 (D-U-N-S) with code list qualifier 4. */
export const DUNS4 = ['4', '16'];

/** The contacts of a run of segments: CTA and the COMs after it; a CTA without a name continues the one before with the same function. */
export function ctaContacts(segs: Seg[]): Contact[] {
  const out: Contact[] = [];
  let open: Contact | undefined;
  for (const s of segs) {
    if (s.id === 'CTA') {
      const fn = contactFunctions.read('edifact', t(s, 1));
      const name = c(s, 2)[1] || undefined;
      const last = out[out.length - 1];
      if (fn && !name && last && last.function === fn) open = last;
      else open = fn ? compact<Contact>({ function: fn, name }) : undefined;
      if (open && open !== last) out.push(open);
    } else if (s.id === 'COM' && open) {
      const [value, code] = c(s, 1);
      const channel = channels.read('edifact', code);
      if (channel && value) (open.communications ??= []).push({ channel, value } satisfies Communication);
    } else if (s.id !== 'COM') open = undefined;
  }
  return out;
}

/** CTA and COM for contacts: five COMs to a CTA (the D96A group's limit), the rest under CTAs without a name. */
export function ctaSegments(contacts: Contact[] | undefined): Segment[] {
  const out: Segment[] = [];
  for (const ct of contacts ?? []) {
    const fn = contactFunctions.write('edifact', ct.function);
    if (!fn) continue;
    const coms = (ct.communications ?? []).flatMap((x) => {
      const code = channels.write('edifact', x.channel);
      return code ? [seg('COM', [x.value, code])] : [];
    });
    let i = 0;
    do {
      out.push(seg('CTA', fn, i === 0 && ct.name ? ['', ct.name] : ''), ...coms.slice(i, i + 5));
      i += 5;
    } while (i < coms.length);
  }
  return out;
}

function idQualifier(c082: string[]): PartyIdQualifier | undefined {
  if (c082[1] === DUNS4[0] && c082[2] === DUNS4[1]) return 'duns+4';
  return partyIdAgencies.read('edifact', c082[2]);
}

/** NAD C080 holds five name lines of 35 characters. */
const NAME_LINE = 35;
const NAME_LINES = 5;

/**
 * The C080 lines for a name and its further names: each in lines of 35, all full but its last. A further
 * name goes only where it reads back as itself: not after a name whose last line is full (a name of
 * exactly 35 characters) or after no name, where it would read as part of the name or as the name, and
 * only whole (five lines in all). Left out, it is what the loss check reports, never a different name.
 */
export function nameLines(name: string | undefined, more: string[] | undefined): string[] {
  const lines = chunks(name ?? '', NAME_LINE);
  for (const n of more ?? []) {
    const last = lines[lines.length - 1];
    const next = chunks(n, NAME_LINE);
    if (last === undefined || [...last].length >= NAME_LINE || lines.length + next.length > NAME_LINES) break;
    lines.push(...next);
  }
  return lines.slice(0, NAME_LINES);
}

/** C080 lines back to the names: a line shorter than 35 characters ends a name, a full one goes on. */
export function namesOf(lines: string[]): string[] {
  const names: string[] = [];
  let open = false;
  for (const line of lines.filter((l) => l !== '')) {
    if (open) names[names.length - 1] += line;
    else names.push(line);
    open = [...line].length >= NAME_LINE;
  }
  return names;
}

/** One NAD group as a party. */
export function nadParty(segs: Seg[]): Party | undefined {
  const nad = segs[0];
  const role = partyRoles.read('edifact', t(nad, 1));
  if (!role) return undefined;
  const roleCode = partyRoles.keep('edifact', role, t(nad, 1));
  const street = c(nad, 5).filter((l) => l !== '');
  const contacts = ctaContacts(segs);
  const [c080Name, ...more] = namesOf(c(nad, 4).slice(0, NAME_LINES));
  // Without a C080 name, the lines of C058 (name and address, unstructured) are the names the sender gave:
  // the first is the name (X12 requires N102, and reading it is what lets the party cross at all), the
  // others further names (X12 N2), since an unstructured line cannot be told from an address.
  const [c058Name, ...c058More] = c080Name === undefined ? namesOf(c(nad, 3).slice(0, NAME_LINES)) : [];
  const name = c080Name ?? c058Name;
  return compact<Party>({
    role,
    roleCode,
    id: c(nad, 2)[0] || undefined,
    idQualifier: c(nad, 2)[0] ? idQualifier(c(nad, 2)) : undefined,
    name,
    additionalNames: some(c080Name === undefined ? c058More : more),
    addressLines: street.length ? street : undefined,
    city: t(nad, 6),
    region: t(nad, 7),
    postalCode: t(nad, 8),
    country: t(nad, 9),
    contacts: contacts.length ? contacts : undefined,
    references: some(references(segs)),
  });
}

export function parties(groups: Seg[][]): Party[] {
  return groups.map(nadParty).filter((p): p is Party => p !== undefined);
}

/** NAD, CTA and COM for a party; none for a role EDIFACT has no code for. */
export function nadSegments(p: Party): Segment[] {
  const role = partyRoles.writeKept('edifact', p.role, p.roleCode);
  if (!role) return [];
  const c082: string[] = !p.id
    ? []
    : p.idQualifier === 'duns+4'
      ? [p.id, ...DUNS4]
      : [p.id, '', partyIdAgencies.write('edifact', p.idQualifier) ?? ''];
  const nad = seg(
    'NAD',
    role,
    c082,
    '',
    nameLines(p.name, p.additionalNames),
    (p.addressLines ?? []).slice(0, 4),
    p.city ?? '',
    p.region ?? '',
    p.postalCode ?? '',
    p.country ?? '',
  );
  return [nad, ...rffSegments(p.references), ...ctaSegments(p.contacts)];
}

/** RFF segments of any qualifier, but the ones the document reads into fields of their own. */
export function references(segs: Seg[], except: string[] = []): Reference[] {
  return segs
    .filter((x) => x.id === 'RFF')
    .flatMap((x) => {
      const [q, value] = c(x, 1);
      if (except.includes(q ?? '')) return [];
      const qualifier = referenceQualifiers.read('edifact', q);
      return qualifier && value ? [{ qualifier, value }] : [];
    });
}

export function rffSegments(refs: Reference[] | undefined): Segment[] {
  return (refs ?? []).flatMap((r) => {
    const q = referenceQualifiers.write('edifact', r.qualifier);
    return q ? [seg('RFF', [q, r.value])] : [];
  });
}

/** CCYYMMDD (102), CCYYMMDDHHMM (203) or CCYYMMDDHHMMSS (204) as a date and HH:MM. */
function dateTime(value: string, format: string): { date?: string; time?: string } {
  if (format !== '' && !['102', '203', '204'].includes(format)) return {};
  const time = value.length >= 12 && format !== '102' ? `${value.slice(8, 10)}:${value.slice(10, 12)}` : undefined;
  return { date: calendarDate(value.slice(0, 8)), time };
}

/** DTM segments of any qualifier but those the document reads into fields of their own (and 171, a reference's date). */
export function dtmDates(segs: Seg[], except: string[] = []): DateRef[] {
  return segs
    .filter((x) => x.id === 'DTM' && !['171', ...except].includes(c(x, 1)[0] ?? ''))
    .flatMap((x) => {
      const [q, value, format] = c(x, 1);
      const qualifier = dateQualifiers.read('edifact', q);
      const { date, time } = dateTime(value ?? '', format ?? '');
      return qualifier && date ? [compact<DateRef>({ qualifier, date, time })] : [];
    });
}

export function dtmSegments(dates: DateRef[] | undefined): Segment[] {
  return (dates ?? []).flatMap((d) => {
    const q = dateQualifiers.write('edifact', d.qualifier);
    if (!q) return [];
    const value = ccyymmdd(d.date) + (d.time ? d.time.replace(':', '') : '');
    return [seg('DTM', [q, value, d.time ? '203' : '102'])];
  });
}
