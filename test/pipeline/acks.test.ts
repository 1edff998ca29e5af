import { parseBuffer } from '../../src/edi/parse';
import { builtInProfiles } from '../../src/config/profiles';
import { diagnostic } from '../../src/edi/diagnostic';
import type { Interchange } from '../../src/edi/model';
import { plannedAcks, renderAck } from '../../src/pipeline/acks';
import type { LoadedPartner } from '../../src/config/partners';
import { write } from '../../src/edi/write';
import { edifactInterchange, order850, partner, x12Interchange } from './support';

const parse = (text: string): Interchange =>
  parseBuffer(Buffer.from(text, 'latin1'), { level: 'full', profiles: builtInProfiles().set }).interchanges[0];

const acme = (acks?: Record<string, unknown>) =>
  partner({
    id: 'acme',
    identifiers: { x12: [{ qualifier: 'ZZ', id: 'ACME' }], edifact: [{ id: '4000001000005' }] },
    ...(acks ? { acks } : {}),
    endpoints: { acks: { file: { dir: 'out/acks' } } },
  });

describe('acknowledgements: plannedAcks', () => {
  const good = () => parse(x12Interchange({ sender: 'ACME', control: 1 }));
  /** An envelope error (IEA02 ≠ ISA13): the interchange is rejected. */
  const rejected = () =>
    parse(x12Interchange({ sender: 'ACME', control: 2 }).replace('IEA*1*000000002', 'IEA*1*000000009'));
  /** One good 850 and one missing its BEG: the group is partially accepted. */
  const partial = () =>
    parse(
      x12Interchange({ sender: 'ACME', control: 3, bodies: [order850('A'), ['PO1*1*10*EA*9.5**VP*SKU-1', 'CTT*1']] }),
    );
  const orders = () => parse(edifactInterchange({ sender: '4000001000005', control: 4 }));

  it('X12 defaults: a 997, and a TA1 only when the envelope has a problem', () => {
    expect(plannedAcks(good(), acme({ to: 'acks' }))).toEqual([{ kind: '997', status: 'A' }]);
    expect(plannedAcks(rejected(), acme({ to: 'acks' }))).toEqual([{ kind: 'TA1', status: 'R' }]);
  });

  it('ta1: always gives a TA1 even for a clean interchange; never gives none even for a rejected one', () => {
    expect(plannedAcks(good(), acme({ ta1: 'always', to: 'acks' }))).toEqual([
      { kind: 'TA1', status: 'A' },
      { kind: '997', status: 'A' },
    ]);
    expect(plannedAcks(rejected(), acme({ ta1: 'never', to: 'acks' }))).toEqual([]);
  });

  it('ta1: on-error also fires on envelope warnings (status E), with the 997 after it', () => {
    const ic = good();
    ic.errors.push(
      diagnostic('interchange', '025', 'seen before', { interchange: ic.controlNumber }, { severity: 'warning' }),
    );
    expect(plannedAcks(ic, acme({ ta1: 'on-error', to: 'acks' }))).toEqual([
      { kind: 'TA1', status: 'E' },
      { kind: '997', status: 'E' },
    ]);
  });

  it('x12: 999 instead of 997, or none; the group status summarises the transactions', () => {
    expect(plannedAcks(partial(), acme({ x12: '999', to: 'acks' }))).toEqual([{ kind: '999', status: 'P' }]);
    expect(plannedAcks(partial(), acme({ x12: '997', to: 'acks' }))).toEqual([{ kind: '997', status: 'P' }]);
    expect(plannedAcks(good(), acme({ x12: 'none', to: 'acks' }))).toEqual([]);
    expect(plannedAcks(good(), acme({ x12: 'none', ta1: 'always', to: 'acks' }))).toEqual([
      { kind: 'TA1', status: 'A' },
    ]);
  });

  it('EDIFACT: a CONTRL by default, none when the partner says so', () => {
    expect(plannedAcks(orders(), acme({ to: 'acks' }))).toEqual([{ kind: 'CONTRL', status: 'A' }]);
    expect(plannedAcks(orders(), acme({ edifact: 'none', to: 'acks' }))).toEqual([]);
    const broken = orders();
    broken.errors.push(diagnostic('interchange', '23', 'unknown sender', { interchange: broken.controlNumber }));
    expect(plannedAcks(broken, acme({ to: 'acks' }))).toEqual([{ kind: 'CONTRL', status: 'R' }]);
  });

  it('no acks.to, or no acks settings at all: nothing is planned (there is nowhere to send it)', () => {
    expect(plannedAcks(good(), acme({ x12: '997', ta1: 'always' }))).toEqual([]);
    expect(plannedAcks(rejected(), acme())).toEqual([]);
    expect(plannedAcks(orders(), acme())).toEqual([]);
  });

  it('no known partner: only the rejection (TA1 or CONTRL), and nothing for an accepted interchange', () => {
    expect(plannedAcks(rejected(), undefined)).toEqual([{ kind: 'TA1', status: 'R' }]);
    const broken = orders();
    broken.errors.push(diagnostic('interchange', '23', 'unknown sender', { interchange: broken.controlNumber }));
    expect(plannedAcks(broken, undefined)).toEqual([{ kind: 'CONTRL', status: 'R' }]);
    expect(plannedAcks(good(), undefined)).toEqual([]);
    expect(plannedAcks(orders(), undefined)).toEqual([]);
  });
});

describe('acknowledgements: renderAck', () => {
  it("keeps to the partner's acks.detail: at most that many AK3 per transaction set", () => {
    const dates = Array.from({ length: 20 }, () => 'DTM*002*20241401');
    const ic = parse(
      x12Interchange({ sender: 'ACME', control: 5, bodies: [[order850('A')[0], ...dates, ...order850('A').slice(1)]] }),
    );
    const ak3 = (p: LoadedPartner) =>
      write(renderAck(ic, '997', 1, new Date('2026-01-01T00:00:00Z'), p))
        .toString('latin1')
        .split('~')
        .filter((s) => s.trim().startsWith('AK3')).length;
    expect(ak3(acme({ to: 'acks', detail: 4 }))).toBe(4);
    expect(ak3(acme({ to: 'acks' }))).toBeGreaterThan(4);
  });
});
