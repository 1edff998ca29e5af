import type { Segment, Standard, Transaction } from '../edi/model';
import type { ProfileSet } from '../edi/profile/profile-set';
import { parseBuffer } from '../edi/parse';
import { write } from '../edi/write';
import { edifactInterchange, type EnvelopeOptions, x12Interchange } from './envelope';
import type { DocumentKind } from './kind';

const env: EnvelopeOptions = {
  sender: { qualifier: 'ZZ', id: 'READBACK' },
  receiver: { qualifier: 'ZZ', id: 'READBACK' },
  controlNumber: 1,
  now: new Date(Date.UTC(2024, 0, 2, 12, 30)),
};

/**
 * A body the writer made, as a whole interchange of its standard written and parsed back: the
 * transaction set a partner would receive, tree and all, for reading it the way the gateway reads input.
 * `version`: the X12 version or EDIFACT directory it is sent in (the kind's own by default).
 */
export function readBack(
  kind: DocumentKind,
  standard: Standard,
  body: Segment[],
  profiles?: ProfileSet,
  version: string = kind[standard].version,
): Transaction {
  const k = kind[standard];
  const message = { type: k.type, version, body };
  const ic =
    standard === 'x12'
      ? x12Interchange([message], { ...env, functionalId: kind.x12.functionalId })
      : edifactInterchange([message], env);
  const [back] = parseBuffer(write(ic), { level: 'full', ...(profiles ? { profiles } : {}) }).interchanges;
  const tx = back?.groups[0]?.transactions[0];
  if (!tx) throw new Error(`the ${standard === 'x12' ? 'X12' : 'EDIFACT'} ${k.type} written does not parse back`);
  return tx;
}
