import type { Diagnostic } from './model';
import { allDiagnostics } from './model';
import { parseBuffer } from './parse';
import type { ProfileSet } from './profile/profile-set';

export interface GeneratedCheck {
  /** What the receiving standard would refuse: every error the envelope check and the profile find. */
  errors: Diagnostic[];
  /** Transaction sets no profile of the set describes (`850 005010`): only their envelope was checked. */
  unprofiled: string[];
}

/**
 * Reads a document we wrote as its receiver's translator would: our own reader with the shipped
 * profiles. A mapper can put a 3-letter unit into an ID 2/2 element or leave a mandatory element empty;
 * this is where that is caught, before the document leaves.
 */
export function checkGenerated(bytes: Buffer, profiles: ProfileSet): GeneratedCheck {
  let errors: Diagnostic[] = [];
  const unprofiled: string[] = [];
  for (const ic of parseBuffer(bytes, { level: 'full', profiles }).interchanges) {
    const found = allDiagnostics(ic).filter((d) => d.severity === 'error');
    // Units outside the 355 list of the version are among them: the reader checks every X12 set it reads.
    errors = errors.concat(found);
    for (const g of ic.groups)
      for (const tx of g.transactions) if (!tx.tree) unprofiled.push(`${tx.type} ${tx.version}`);
  }
  return { errors, unprofiled: [...new Set(unprofiled)] };
}
