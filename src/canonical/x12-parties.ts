import type { Segment } from '../edi/model';
import {
  type Communication,
  type Contact,
  type DateRef,
  type Party,
  type PartyRole,
  type Reference,
  ccyymmdd,
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
import { seg, t } from './x12-common';

/**
 * X12 parties (N1 loops with their PER contacts), references (REF) and dates (DTM) of any qualifier,
 * through the code lists of code-lists.ts.
 */

/** The contacts of a run of segments: PER, a PER without a name continuing the one before with the same function. */
export function perContacts(segs: Seg[]): Contact[] {
  const out: Contact[] = [];
  for (const per of segs.filter((s) => s.id === 'PER')) {
    const fn = contactFunctions.read('x12', t(per, 1));
    if (!fn) continue;
    const communications: Communication[] = [];
    for (let i = 3; i <= 7; i += 2) {
      const channel = channels.read('x12', t(per, i));
      if (channel && t(per, i + 1)) communications.push({ channel, value: t(per, i + 1) });
    }
    const last = out[out.length - 1];
    if (!t(per, 2) && last && last.function === fn && last.communications) last.communications.push(...communications);
    else
      out.push(
        compact<Contact>({
          function: fn,
          name: t(per, 2),
          communications: communications.length ? communications : undefined,
        }),
      );
  }
  return out;
}

/** PER segments for contacts: three channels to a PER (PER03-08), the rest in PERs without a name. */
export function perSegments(contacts: Contact[] | undefined): Segment[] {
  const out: Segment[] = [];
  for (const ct of contacts ?? []) {
    const fn = contactFunctions.write('x12', ct.function);
    if (!fn) continue;
    const pairs = (ct.communications ?? []).flatMap((c) => {
      const code = channels.write('x12', c.channel);
      return code ? [[code, c.value]] : [];
    });
    let i = 0;
    do {
      out.push(seg('PER', fn, i === 0 ? (ct.name ?? '') : '', ...pairs.slice(i, i + 3).flat()));
      i += 3;
    } while (i < pairs.length);
  }
  return out;
}

/** One N1 loop as a party; a loop without a role is not one. */
export function n1Party(segs: Seg[]): Party | undefined {
  const n1 = segs[0];
  const role = partyRoles.read('x12', t(n1, 1));
  if (!role) return undefined;
  const roleCode = partyRoles.keep('x12', role, t(n1, 1));
  const n3 = segs
    .filter((s) => s.id === 'N3')
    .flatMap((s) => [t(s, 1), t(s, 2)])
    .filter((l) => l !== '');
  const n4 = segs.find((s) => s.id === 'N4');
  const n2 = segs
    .filter((s) => s.id === 'N2')
    .flatMap((s) => [t(s, 1), t(s, 2)])
    .filter((l) => l !== '');
  const contacts = perContacts(segs);
  // ZZ (mutually defined) says nothing about who issued the id: no qualifier.
  const agency = t(n1, 3) === 'ZZ' ? undefined : partyIdAgencies.read('x12', t(n1, 3));
  return compact<Party>({
    role,
    roleCode,
    id: t(n1, 4) || undefined,
    idQualifier: t(n1, 4) ? agency : undefined,
    name: t(n1, 2) || undefined,
    additionalNames: some(n2),
    addressLines: n3.length ? n3 : undefined,
    city: n4 && t(n4, 1),
    region: n4 && t(n4, 2),
    postalCode: n4 && t(n4, 3),
    country: n4 && t(n4, 4),
    contacts: contacts.length ? contacts : undefined,
    references: some(references(segs)),
  });
}

export function parties(loops: Seg[][]): Party[] {
  return loops.map(n1Party).filter((p): p is Party => p !== undefined);
}

/**
 * The PERs of the header (outside any N1 loop) as contacts of the party that issued the document: EDIFACT
 * has CTA only in a NAD group, and trading partners read a header PER of an 850 as the buyer's contact
 * (of an 810, the seller's). They are written back in that party's N1 loop. Without such a party they
 * stay behind, and the loss check says so.
 */
export function withHeaderContacts(all: Party[], header: Seg[], roles: PartyRole[]): Party[] {
  const contacts = perContacts(header);
  const owner = roles.map((r) => all.find((p) => p.role === r)).find((p) => p !== undefined);
  if (!contacts.length || !owner) return all;
  return all.map((p) => (p === owner ? { ...p, contacts: [...contacts, ...(p.contacts ?? [])] } : p));
}

/** N1, N2 and N3 (two lines each, up to two), N4 and PER for a party; none for a role X12 has no code for. */
export function n1Segments(p: Party): Segment[] {
  const role = partyRoles.writeKept('x12', p.role, p.roleCode);
  if (!role) return [];
  const out: Segment[] = [];
  const q = partyIdAgencies.write('x12', p.idQualifier) ?? (p.id ? 'ZZ' : '');
  out.push(seg('N1', role, p.name ?? '', p.id ? q : '', p.id ?? ''));
  const names = p.additionalNames ?? [];
  for (let i = 0; i < names.length && i < 4; i += 2) out.push(seg('N2', names[i], names[i + 1] ?? ''));
  const lines = p.addressLines ?? [];
  for (let i = 0; i < lines.length && i < 4; i += 2) out.push(seg('N3', lines[i], lines[i + 1] ?? ''));
  if (p.city || p.region || p.postalCode || p.country)
    out.push(seg('N4', p.city ?? '', p.region ?? '', p.postalCode ?? '', p.country ?? ''));
  out.push(...refSegments(p.references), ...perSegments(p.contacts));
  return out;
}

/** REF segments of any qualifier. */
export function references(segs: Seg[]): Reference[] {
  return segs
    .filter((x) => x.id === 'REF')
    .flatMap((x) => {
      const qualifier = referenceQualifiers.read('x12', t(x, 1));
      return qualifier && t(x, 2) ? [{ qualifier, value: t(x, 2) }] : [];
    });
}

export function refSegments(refs: Reference[] | undefined): Segment[] {
  return (refs ?? []).flatMap((r) => {
    const q = referenceQualifiers.write('x12', r.qualifier);
    return q ? [seg('REF', q, r.value)] : [];
  });
}

/** DTM segments of any qualifier but those the document reads into fields of their own. */
export function dtmDates(segs: Seg[], except: string[] = []): DateRef[] {
  return segs
    .filter((x) => x.id === 'DTM' && !except.includes(t(x, 1)))
    .flatMap((x) => {
      const qualifier = dateQualifiers.read('x12', t(x, 1));
      const date = calendarDate(t(x, 2));
      const hhmm = /^\d{4}/.test(t(x, 3)) ? `${t(x, 3).slice(0, 2)}:${t(x, 3).slice(2, 4)}` : undefined;
      return qualifier && date ? [compact<DateRef>({ qualifier, date, time: hhmm })] : [];
    });
}

export function dtmSegments(dates: DateRef[] | undefined): Segment[] {
  return (dates ?? []).flatMap((d) => {
    const q = dateQualifiers.write('x12', d.qualifier);
    return q ? [seg('DTM', q, ccyymmdd(d.date), d.time ? d.time.replace(':', '') : '')] : [];
  });
}
