import type { Io } from './io';
import { profilesFor, reportProfileIssues, streamFile } from './input';
import { buildAck, defaultAckKind } from '../edi/ack/build';
import type { AckKind } from '../edi/ack/options';
import { ackSummary } from '../edi/ack/summary';
import { write } from '../edi/write';
import { GatewayError } from '../errors';

/**
 * `ack FILE [--kind]`: the acknowledgement of every interchange in FILE, as EDI on stdout. The file
 * streams; of each transaction set only what the acknowledgement reports is kept (ackSummary).
 */
export async function ackCommand(
  file: string,
  o: { kind?: AckKind; controlNumber: string; profiles?: string },
  io: Io,
): Promise<number> {
  if (!/^\d{1,9}$/.test(o.controlNumber))
    throw new GatewayError('EDIGW_USAGE', `--control-number ${o.controlNumber} is not 1 to 9 digits`);
  const profiles = profilesFor(o.profiles);
  let control = Number(o.controlNumber);
  let interchanges = 0;
  for await (const event of streamFile(file, { level: 'full', profiles: profiles.set })) {
    if (event.kind === 'transaction') {
      // The group is the interchange's own (retain 'none' leaves its list empty): the builders read it from there.
      if (o.kind !== 'TA1') event.group.transactions.push(ackSummary(event.transaction));
    } else if (event.kind === 'interchange-end') {
      const ic = event.interchange;
      interchanges++;
      const kind = o.kind ?? defaultAckKind(ic);
      let ack;
      try {
        ack = buildAck(ic, kind, { controlNumber: control++ });
      } catch (e) {
        if (e instanceof RangeError)
          throw new GatewayError('EDIGW_ACK_KIND', `${file}: interchange ${ic.controlNumber}: ${e.message}`);
        throw e;
      }
      io.out(write(ack, { lineBreak: '\n' }).toString(ic.standard === 'x12' ? 'utf8' : 'latin1'));
      await io.drain?.();
    }
  }
  reportProfileIssues(profiles, io);
  if (interchanges === 0) io.err(`${file}: no interchange to acknowledge\n`);
  return 0;
}
