/**
 * Property: any document its schema accepts, with any field filled or left out and any code of any list,
 * written as X12 004010 or 005010 or EDIFACT D96A or D01B, is either valid for the receiving standard's
 * profile or refused before a byte is written with a reason that names the field. The corpus test
 * (test/canonical/conformance.test.ts) checks what real files fill in; this checks what they do not.
 */
import fc from 'fast-check';
import { type DocumentKind, checkDocument, documents, edifactInterchange, x12Interchange } from '../../src/canonical';
import { checkGenerated } from '../../src/edi/generated-check';
import { formatDiagnostic } from '../../src/edi/diagnostic';
import { parseBuffer } from '../../src/edi/parse';
import { write } from '../../src/edi/write';
import { applyOutboundSettings } from '../../src/pipeline/outbound';
import { builtInProfiles } from '../../src/config/profiles';
import { canonicalArbitrary } from '../helpers/canonical-arbitrary';

const profiles = builtInProfiles().set;
const env = {
  sender: { qualifier: 'ZZ', id: 'US' },
  receiver: { qualifier: 'ZZ', id: 'THEM' },
  controlNumber: 1,
  now: new Date('2026-01-02T03:04:00Z'),
};
const targets = [
  ['x12', '004010'],
  ['x12', '005010'],
  ['edifact', 'D96A'],
  ['edifact', 'D01B'],
] as const;

/**
 * What each kind needs for every target: the fields the mandatory segments and elements are made of (the
 * date of BEG05, BIG01, BSN03 and BAK04 and of DTM 137; a line for the mandatory PO1, IT1, detail loop; the
 * total of TDS01 and MOA 77). Without them a document is refused, never written (the second property).
 */
const named = ['parties[].name', 'lines[].parties[].name', 'orders[].parties[].name'];
const needs: Record<string, string[]> = {
  PurchaseOrder: ['date', 'lines', ...named],
  Invoice: ['date', 'lines', 'totals', 'totals.amount', ...named],
  ShipNotice: ['date', 'orders', 'orders[].items', 'orders[].items[].unit', ...named],
  OrderResponse: ['number', 'date', 'orderDate', 'lines', ...named],
};

/**
 * A value the document holds that the element cannot: a unit, a country, a raw code or a text longer than
 * the element. Refusing that document is right (a different value would be a different document); what
 * the property hunts is everything else: a segment out of place, a mandatory part left empty although the
 * document has it, a number or date the writer spelled wrong.
 */
const valueDoesNotFit =
  / is (shorter|longer) than \d|is not a valid code here| must be alphabetic| is not numeric| is not an integer|GS1 check digit| is no X12 \d+ unit code| is no UN\/ECE Recommendation 20 unit code/;

const cases = documents.flatMap((kind) => targets.map(([to, version]) => [kind.name, to, version, kind] as const));

type Outcome = { written: Buffer } | { refused: string };

function writeAs(k: DocumentKind<unknown>, doc: unknown, to: 'x12' | 'edifact', version: string): Outcome {
  try {
    const message = { type: k[to].type, version, body: k[to].write(doc) };
    const built =
      to === 'x12'
        ? x12Interchange([message], { ...env, functionalId: k.x12.functionalId })
        : edifactInterchange([message], env);
    return { written: write(applyOutboundSettings(built, undefined)) };
  } catch (e) {
    // A refusal says which field it lacks; a TypeError is a writer reading what is not there.
    expect(e).toBeInstanceOf(Error);
    expect(e).not.toBeInstanceOf(TypeError);
    expect(e).not.toBeInstanceOf(RangeError);
    expect((e as Error).message).toMatch(/\w/);
    return { refused: (e as Error).message };
  }
}

/**
 * Points a ship notice's package references at packages it lists (a generated id names none): each
 * package's id made unique, its parent an earlier package or none, an item's package one of them or none.
 */
export function mend(generated: unknown): unknown {
  const doc = generated as {
    packs?: Array<{ id: string; parent?: string }>;
    orders?: Array<{ items?: Array<{ pack?: string }> }>;
  };
  const ids = (doc.packs ?? []).map((p, i) => (p.id = `${p.id.slice(0, 8)}${i}`));
  (doc.packs ?? []).forEach((p, i) => {
    if (p.parent !== undefined)
      if (i === 0) delete p.parent;
      else p.parent = ids[i - 1];
  });
  for (const o of doc.orders ?? [])
    for (const item of o.items ?? [])
      if (item.pack !== undefined)
        if (ids.length) item.pack = ids[item.pack.length % ids.length];
        else delete item.pack;
  return doc;
}

function checked(k: DocumentKind<unknown>, generated: unknown): unknown {
  const r = checkDocument(k, mend(generated));
  fc.pre(r.ok);
  return r.ok ? r.value : undefined;
}

describe('property: generated canonical documents are valid for the target profile, or refused by field', () => {
  test.each(cases)('%s with what it needs, as %s %s: valid for the profile', (name, to, version, kind) => {
    const k = kind as DocumentKind<unknown>;
    let written = 0;
    fc.assert(
      fc.property(canonicalArbitrary(k.schema, { present: needs[name], rawCodes: [to] }), (generated) => {
        const doc = checked(k, generated);
        const out = writeAs(k, doc, to, version);
        if (!('written' in out)) return;
        const check = checkGenerated(out.written, profiles);
        const errors = check.errors.map((d) => formatDiagnostic(d));
        expect({ doc, errors: errors.filter((e) => !valueDoesNotFit.test(e)) }).toEqual({ doc, errors: [] });
        expect(check.unprofiled).toEqual([]);
        if (errors.length) return;
        // What we wrote reads back as a document of its kind.
        const tx = parseBuffer(out.written).interchanges[0].groups[0].transactions[0];
        expect(() => k[to].read(tx)).not.toThrow();
        written++;
      }),
      { numRuns: 150 },
    );
    // Not passing by refusing everything (a value that does not fit its element refuses the whole document,
    // and X12's coded elements are narrow, so most generated X12 documents hold one such value somewhere).
    expect(written).toBeGreaterThan(5);
  });

  test.each(cases)(
    '%s with any field left out, as %s %s: valid, or refused before it is sent',
    (_n, to, version, kind) => {
      const k = kind as DocumentKind<unknown>;
      fc.assert(
        fc.property(canonicalArbitrary(k.schema), (generated) => {
          const out = writeAs(k, checked(k, generated), to, version);
          // The route's and translate's last check: what the profile refuses is a dead letter, located in the output.
          if ('written' in out)
            for (const d of checkGenerated(out.written, profiles).errors) expect(d.location.segment).toBeGreaterThan(0);
        }),
        { numRuns: 100 },
      );
    },
  );
});
