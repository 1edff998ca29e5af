import type { Io } from './main';
import { parseFile, profilesFor, readInput, reportProfileIssues } from './input';
import type { PartyId, Standard } from '../edi/model';
import { write } from '../edi/write';
import { GatewayError } from '../errors';
import {
  type PurchaseOrder, edifactInterchange, purchaseOrderReader, toOrders, toX12_850, x12Interchange,
} from '../canonical';

export type TranslateTarget = 'x12' | 'edifact' | 'json';

export interface TranslateOptions {
  to: TranslateTarget;
  sender?: string;
  receiver?: string;
  controlNumber: string;
  profiles?: string;
}

function partyOption(name: string, value: string | undefined): PartyId | undefined {
  if (value === undefined) return undefined;
  const m = /^([^:]+):(.+)$/.exec(value);
  if (!m) throw new GatewayError('EDIGW_USAGE', `--${name} ${value} is not QUALIFIER:ID (e.g. ZZ:ACME or 14:5412345000013)`);
  return { qualifier: m[1], id: m[2] };
}

/** The input's own party, with its qualifier kept within a standard; across standards DUNS stays DUNS and any other becomes ZZ (mutually defined). */
function defaultParty(p: PartyId, from: Standard, to: Standard): PartyId {
  const id = p.id.trim();
  if (from === to) return { qualifier: p.qualifier, id };
  if (to === 'x12') return { qualifier: p.qualifier === '1' ? '01' : 'ZZ', id };
  return { qualifier: p.qualifier === '01' ? '1' : 'ZZ', id };
}

function checkX12Party(p: PartyId, which: string): void {
  if (p.id.length > 15 || p.qualifier.length > 2) {
    throw new GatewayError('EDIGW_USAGE', `${which} ${p.qualifier}:${p.id} does not fit an ISA (qualifier 2, id 15 characters); give --${which} Q:ID`);
  }
}

/**
 * `translate FILE --to x12|edifact|json`: every purchase order in FILE (X12 850, EDIFACT ORDERS) through
 * the canonical PurchaseOrder to the target. One output interchange per input interchange, from the input's
 * own sender to its own receiver unless --sender / --receiver say otherwise.
 */
export function translateCommand(file: string, o: TranslateOptions, io: Io): number {
  const sender = partyOption('sender', o.sender);
  const receiver = partyOption('receiver', o.receiver);
  if (!/^\d{1,9}$/.test(o.controlNumber)) throw new GatewayError('EDIGW_USAGE', `--control-number ${o.controlNumber} is not 1 to 9 digits`);
  const buf = readInput(file);
  const profiles = profilesFor(o.profiles);
  const result = parseFile(file, buf, { level: 'full', profiles: profiles.set });
  reportProfileIssues(profiles, io);
  let code = 0;
  let control = Number(o.controlNumber);
  const json: PurchaseOrder[] = [];
  const out: string[] = [];
  const now = new Date();
  for (const ic of result.interchanges) {
    const orders: PurchaseOrder[] = [];
    for (const g of ic.groups) {
      for (const tx of g.transactions) {
        const read = purchaseOrderReader(ic.standard, tx.type);
        if (!read) {
          io.err(`${file}: interchange ${ic.controlNumber}, transaction ${tx.controlNumber}: ${ic.standard === 'x12' ? 'X12' : 'EDIFACT'} ${tx.type} has no canonical map (translate reads X12 850 and EDIFACT ORDERS); skipped\n`);
          code = 1;
          continue;
        }
        orders.push(read(tx));
      }
    }
    if (o.to === 'json') { json.push(...orders); continue; }
    if (orders.length === 0) continue;
    const from = sender ?? defaultParty(ic.sender, ic.standard, o.to);
    const to = receiver ?? defaultParty(ic.receiver, ic.standard, o.to);
    const env = { sender: from, receiver: to, controlNumber: control++, now, test: ic.test };
    if (o.to === 'x12') {
      checkX12Party(from, 'sender');
      checkX12Party(to, 'receiver');
      out.push(write(x12Interchange(orders.map((po) => ({ type: '850', version: '004010', body: toX12_850(po) })), env)).toString('utf8'));
    } else {
      out.push(write(edifactInterchange(orders.map((po) => ({ type: 'ORDERS', version: 'D96A', body: toOrders(po) })), env)).toString('latin1'));
    }
  }
  if (o.to === 'json') io.out(JSON.stringify(json, null, 2) + '\n');
  else io.out(out.join(''));
  if (result.interchanges.length === 0) io.err(`${file}: no interchange to translate\n`);
  return code;
}
