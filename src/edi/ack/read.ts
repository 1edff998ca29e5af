import type { Interchange, Segment, Transaction } from '../model';
import { components, text } from '../model';
import type { AckKind } from './options';

/** What one acknowledgement says about one thing it acknowledges. */
export interface AckFinding {
  code: string;
  segmentId?: string;
  position?: number;
  loop?: string;
  element?: string;
  value?: string;
}

export interface AckedTransaction {
  type?: string;
  controlNumber: string;
  /** A, E, R (X12 AK501/IK501; CONTRL 7 → A, 4 → R). */
  status: string;
  codes: string[];
  findings: AckFinding[];
}

export interface AckedGroup {
  functionalId?: string;
  controlNumber: string;
  status: string;
  codes: string[];
  transactions: AckedTransaction[];
}

export interface AckReport {
  kind: AckKind;
  /** The interchange the ack answers (TA1, CONTRL UCI). */
  interchange?: { controlNumber: string; status: string; note?: string };
  groups: AckedGroup[];
  /** CONTRL: messages not listed are accepted along with the interchange (action 7). */
  implicitAccept?: boolean;
}

const contrlStatus = (a: string) => (a === '4' ? 'R' : 'A');

function read997(tx: Transaction, kind: '997' | '999'): AckReport {
  const report: AckReport = { kind, groups: [] };
  let g: AckedGroup | undefined;
  let t: AckedTransaction | undefined;
  let seg: AckFinding | undefined;
  for (const s of tx.segments) {
    const e = s.elements;
    switch (s.id) {
      case 'AK1':
        g = { functionalId: text(e[0]), controlNumber: text(e[1]), status: '', codes: [], transactions: [] };
        report.groups.push(g);
        break;
      case 'AK2':
        t = { type: text(e[0]), controlNumber: text(e[1]), status: '', codes: [], findings: [] };
        g?.transactions.push(t);
        break;
      case 'AK3':
      case 'IK3':
        seg = {
          segmentId: text(e[0]),
          position: Number(text(e[1])),
          code: text(e[3]),
          ...(text(e[2]) ? { loop: text(e[2]) } : {}),
        };
        t?.findings.push(seg);
        break;
      case 'AK4':
      case 'IK4':
        t?.findings.push({
          code: text(e[2]),
          element: components(e[0])
            .filter((c) => c !== '')
            .join(':'),
          ...(seg?.segmentId ? { segmentId: seg.segmentId, position: seg.position } : {}),
          ...(text(e[3]) ? { value: text(e[3]) } : {}),
        });
        break;
      case 'AK5':
      case 'IK5':
        if (t) {
          t.status = text(e[0]);
          t.codes = e
            .slice(1)
            .map((x) => text(x))
            .filter(Boolean);
        }
        seg = undefined;
        break;
      case 'AK9':
        if (g) {
          g.status = text(e[0]);
          g.codes = e
            .slice(4)
            .map((x) => text(x))
            .filter(Boolean);
        }
        break;
    }
  }
  return report;
}

function readContrl(tx: Transaction): AckReport {
  const report: AckReport = { kind: 'CONTRL', groups: [] };
  let implicit: AckedGroup | undefined;
  let g: AckedGroup | undefined;
  let t: AckedTransaction | undefined;
  let ucs: Segment | undefined;
  for (const s of tx.segments) {
    const e = s.elements;
    switch (s.id) {
      case 'UCI':
        report.interchange = {
          controlNumber: text(e[0]),
          status: contrlStatus(text(e[3])),
          ...(text(e[4]) ? { note: text(e[4]) } : {}),
        };
        break;
      case 'UCF':
        g = {
          controlNumber: text(e[0]),
          status: contrlStatus(text(e[3])),
          codes: text(e[4]) ? [text(e[4])] : [],
          transactions: [],
        };
        report.groups.push(g);
        break;
      case 'UCM': {
        t = {
          type: components(e[1])[0],
          controlNumber: text(e[0]),
          status: contrlStatus(text(e[2])),
          codes: text(e[3]) ? [text(e[3])] : [],
          findings: [],
        };
        if (!g) {
          implicit ??= { controlNumber: '', status: report.interchange?.status ?? 'A', codes: [], transactions: [] };
          if (!report.groups.includes(implicit)) report.groups.push(implicit);
          implicit.transactions.push(t);
        } else g.transactions.push(t);
        break;
      }
      case 'UCS':
        ucs = s;
        if (text(e[1])) t?.findings.push({ code: text(e[1]), position: Number(text(e[0])) });
        break;
      case 'UCD':
        t?.findings.push({
          code: text(e[0]),
          element: components(e[1])
            .filter((c) => c !== '')
            .join(':'),
          ...(ucs ? { position: Number(text(ucs.elements[0])) } : {}),
        });
        break;
    }
  }
  if (report.interchange?.status === 'A') report.implicitAccept = true;
  return report;
}

/** Every acknowledgement an interchange carries: TA1 segments, 997 and 999 sets, CONTRL messages. */
export function readAcks(ic: Interchange): AckReport[] {
  const out: AckReport[] = [];
  for (const t of ic.ta1 ?? [])
    out.push({
      kind: 'TA1',
      interchange: { controlNumber: t.controlNumber, status: t.status, note: t.note },
      groups: [],
    });
  for (const g of ic.groups) {
    for (const tx of g.transactions) {
      if (tx.type === '997' || tx.type === '999') out.push(read997(tx, tx.type));
      else if (tx.type === 'CONTRL') out.push(readContrl(tx));
    }
  }
  return out;
}
