import { utimesSync } from 'node:fs';
import { join } from 'node:path';
import { GatewayError } from '../../src/errors';
import { Maps } from '../../src/pipeline/maps';
import { type Deployment, deployment } from './support';

/** The GatewayError a promise or call fails with, described the way the log shows it. */
async function failure(work: () => unknown): Promise<GatewayError> {
  try {
    await work();
  } catch (e) {
    if (e instanceof GatewayError) return e;
    throw new Error(`expected a GatewayError, got ${String(e)}`, { cause: e });
  }
  throw new Error('expected a failure');
}

describe('maps: JSONata under the partners folder, with xref tables', () => {
  let d: Deployment;
  let maps: Maps;
  beforeEach(() => {
    d = deployment({
      'partners/xref/items.csv': 'sku,name,colour\nSKU-1,Blue widget,blue\nSKU-2,Red widget,red\n',
      'partners/xref/bom.csv': '\uFEFFsku,name\n  SKU-9 , Trimmed \n',
    });
    maps = new Maps(join(d.dir, 'partners'));
  });
  afterEach(() => d.remove());
  const map = (name: string, text: string) => {
    d.file(`partners/acme/maps/${name}`, text);
    return `acme/maps/${name}`;
  };

  it('runs a map on its input with $source bound', async () => {
    const m = map('order.jsonata', '{ "po": BEG.BEG03, "from": $source.partner }');
    expect(await maps.run(m, { BEG: { BEG03: 'PO-1' } }, { source: { partner: 'acme' } })).toEqual({
      po: 'PO-1',
      from: 'acme',
    });
  });

  it('a map that does not compile: EDIGW_MAP_INVALID located at map:line:col', async () => {
    // The stray `}` on line 4, column 1 is where jsonata gives up.
    const m = map('broken.jsonata', '{\n  "po": BEG.BEG03,\n  "x": (1 + \n}\n');
    const e = await failure(() => maps.run(m, {}));
    expect(e.code).toBe('EDIGW_MAP_INVALID');
    expect(e.kind).toBe('dead');
    expect(e.describe()).toBe(
      'map acme/maps/broken.jsonata:4:1: the map cannot be read or compiled: The symbol "}" cannot be used as a unary operator [EDIGW_MAP_INVALID]',
    );
    expect(() => maps.compile(m)).toThrow(GatewayError);
  });

  it('a map that fails on a document: EDIGW_MAP_FAILED located where it failed', async () => {
    const m = map('fails.jsonata', '{\n  "qty": $number(BEG.BEG03)\n}');
    const e = await failure(() => maps.run(m, { BEG: { BEG03: 'not a number' } }));
    expect(e.code).toBe('EDIGW_MAP_FAILED');
    // jsonata places a failed call at its opening parenthesis.
    expect(e.describe()).toBe(
      'map acme/maps/fails.jsonata:2:17: the map failed on this document: Unable to cast value to a number: "not a number" (D3030) [EDIGW_MAP_FAILED]',
    );
  });

  it('$xref(table, key): the second column of the row whose first column is key', async () => {
    const m = map('xref.jsonata', '[$xref("items", "SKU-2"), $xref("items", sku), $xref("bom", "SKU-9")]');
    expect(await maps.run(m, { sku: 'SKU-1' })).toEqual(['Red widget', 'Blue widget', 'Trimmed']);
  });

  it("$xref(table, key, 'column'): that column; a column the table lacks is a clear error", async () => {
    expect(await maps.run(map('col.jsonata', '$xref("items", "SKU-2", "colour")'), {})).toBe('red');
    const e = await failure(() => maps.run(map('nocol.jsonata', '$xref("items", "SKU-2", "size")'), {}));
    expect(e.describe()).toContain('xref table items has no column "size" (columns: sku, name, colour)');
  });

  it('$xref with no such row, or no key, is undefined (the field is left out)', async () => {
    expect(
      await maps.run(
        map('missing.jsonata', '{ "a": $xref("items", "SKU-404"), "b": $xref("items", nothing), "c": "kept" }'),
        {},
      ),
    ).toEqual({ c: 'kept' });
    expect(await maps.run(map('missing3.jsonata', '{ "a": $xref("items", nothing, "colour") }'), {})).toEqual({});
  });

  it('$xref of a table that does not exist: EDIGW_MAP_FAILED naming the file it looked for', async () => {
    const e = await failure(() => maps.run(map('notable.jsonata', '$xref("prices", "SKU-1")'), {}));
    expect(e.code).toBe('EDIGW_MAP_FAILED');
    expect(e.describe()).toContain('no xref table prices (partners/xref/prices.csv)');
    const bad = await failure(() => maps.run(map('badname.jsonata', '$xref("../secrets", "x")'), {}));
    expect(bad.describe()).toContain('xref table name "../secrets": letters, digits, ., - and _ only');
  });

  it('an edited map is compiled again without a restart; an unchanged one comes from the cache', async () => {
    const m = map('edit.jsonata', '"one"');
    const full = join(d.dir, 'partners', m);
    expect(await maps.run(m, {})).toBe('one');
    const first = maps.compile(m);
    expect(maps.compile(m)).toBe(first);
    // Same length and an explicit new mtime: only the time tells the edit apart.
    map('edit.jsonata', '"two"');
    utimesSync(full, new Date('2030-01-01T00:00:00Z'), new Date('2030-01-01T00:00:00Z'));
    expect(await maps.run(m, {})).toBe('two');
    expect(maps.compile(m)).not.toBe(first);
  });

  it('an edited xref table is read again', async () => {
    const m = map('x.jsonata', '$xref("items", "SKU-1")');
    expect(await maps.run(m, {})).toBe('Blue widget');
    d.file('partners/xref/items.csv', 'sku,name\nSKU-1,Green widget, now longer\n');
    expect(await maps.run(m, {})).toBe('Green widget');
  });

  it('a map path outside the partners folder, or one that does not exist, is refused', async () => {
    d.file('secret.jsonata', '"leaked"');
    const out = await failure(() => maps.run('../secret.jsonata', {}));
    expect(out.code).toBe('EDIGW_MAP_INVALID');
    expect(out.describe()).toBe(
      'map ../secret.jsonata: the map cannot be read or compiled: maps are files under the partners folder [EDIGW_MAP_INVALID]',
    );
    expect((await failure(() => maps.run(join(d.dir, 'secret.jsonata'), {}))).code).toBe('EDIGW_MAP_INVALID');
    const missing = await failure(() => maps.run('acme/maps/none.jsonata', {}));
    expect(missing.code).toBe('EDIGW_MAP_INVALID');
    expect((missing.cause as NodeJS.ErrnoException).code).toBe('ENOENT');
  });
});
