import type { Io } from './main';
import { parseFile, profilesFor, readInput, reportProfileIssues } from './input';
import { buildAck, defaultAckKind } from '../edi/ack/build';
import type { AckKind } from '../edi/ack/options';
import { write } from '../edi/write';
import { GatewayError } from '../errors';

/** `ack FILE [--kind]`: the acknowledgement of every interchange in FILE, as EDI on stdout. */
export function ackCommand(file: string, o: { kind?: AckKind; controlNumber: string; profiles?: string }, io: Io): number {
  const buf = readInput(file);
  const profiles = profilesFor(o.profiles);
  const result = parseFile(file, buf, { level: 'full', profiles: profiles.set });
  reportProfileIssues(profiles, io);
  if (!/^\d{1,9}$/.test(o.controlNumber)) throw new GatewayError('EDIGW_USAGE', `--control-number ${o.controlNumber} is not 1 to 9 digits`);
  let control = Number(o.controlNumber);
  for (const ic of result.interchanges) {
    const kind = o.kind ?? defaultAckKind(ic);
    let ack;
    try {
      ack = buildAck(ic, kind, { controlNumber: control++ });
    } catch (e) {
      if (e instanceof RangeError) throw new GatewayError('EDIGW_ACK_KIND', `${file}: interchange ${ic.controlNumber}: ${e.message}`);
      throw e;
    }
    io.out(write(ack, { lineBreak: '\n' }).toString(ic.standard === 'x12' ? 'utf8' : 'latin1'));
  }
  if (result.interchanges.length === 0) io.err(`${file}: no interchange to acknowledge\n`);
  return 0;
}
