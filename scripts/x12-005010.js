#!/usr/bin/env node
/**
 * Writes the ASC X12 005010 profiles of the supply-chain transaction sets (profiles/x12/005010/<type>.yaml:
 * 810, 846, 850, 855, 856, 860, 865, 940, 945) from their 004010 profiles. Loops, positions, usage and maximum use stay 004010's; what 005010 changed
 * is the data below, one entry per fact, so a reviewer checks each against the 005010 tables and
 * dictionary. Facts come from the 005010 segment dictionary and the 850 and 856 tables as EdiFabric's
 * X12 005010 templates list them (vgavril0v/ediexamples X125010/, Segments.cs and 850.cs / 856.cs); the
 * other tables from its 004050 ones (X124050/), since no other 005010 table was at hand and its 850 and
 * 856 tables are the same in 004050 and 005010 but for one maximum use. A change already made in
 * 004020 to 004050 is listed too: 004010 to 005010 is what a partner moving versions meets.
 * Deterministic output; test/unit/profiles.test.ts regenerates into a temporary folder and compares.
 *
 *   node scripts/x12-005010.js              # = npm run profiles:x12-005010
 *   node scripts/x12-005010.js --out DIR    # write elsewhere, e.g. to compare
 */
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const YAML = require('yaml');
const { profileYaml, writeProfiles } = require('./profile-yaml');

const PROFILES = path.resolve(__dirname, '../profiles');
const TYPES = ['810', '846', '850', '855', '856', '860', '865', '940', '945'];

const SOURCE =
  'ASC X12 005010, written by scripts/x12-005010.js over the 004010 profile of the same set (loops, ' +
  "positions, usage and maximum use as there). 005010's changes, each a line of data in the script: the " +
  '005010 segment dictionary (new trailing elements, lengths of data elements 127, 364, 1000, 207, 358, ' +
  '267 and 447, PO102 and SN105 as data element 380, INC04 optional, CAD01 mandatory, DMG05 the composite ' +
  'C056, W05 08, ST03) and the 005010 tables (MTX where 004010 has MSG; IN2, PWK, EFI, MEA, CRC, AT9; ' +
  'loops LDT, LM, TD3, TXI, and N1 loops in the 940 W01 and 945 W12 loops' +
  "), as EdiFabric's X12 005010 templates list them (vgavril0v/ediexamples X125010; tables other " +
  'than 850 and 856 from its X124050). Code lists as in the 004010 profile (ST01, 353, 670) with the codes 005010 added (353 57, 670 AA); 355 is read against the 005010 ' +
  'list by src/edi/x12/unit-codes.ts.';

/**
 * Dictionary changes by segment tag, applied to every profile that defines the tag: `set` changes
 * element n (1-based) in place; `append` adds trailing elements 005010 defines. An element given as
 * `{ like: 'TAG:n' }` copies name, type and lengths from that position of the 004010 dictionaries (the
 * same data element there), so an ID's length is the standard's rather than a guess.
 */
const ref127 = { max: 50 };
const ref364 = { max: 256 };
const ref1000 = { max: 3 };
const SEGMENTS = {
  ADV: { set: { 2: ref1000, 6: ref1000 } },
  BAK: { set: { 8: ref127 } },
  BCA: { set: { 9: ref127 } },
  BCH: { set: { 9: ref127 } },
  BIA: { set: { 3: ref127 } },
  BIG: { append: [{ like: 'BSN:5' }] },
  CAD: { set: { 1: { usage: 'M' }, 3: { max: 15 }, 8: ref127 } },
  CN1: { set: { 4: ref127 } },
  CS: { set: { 5: ref127 } },
  CTB: { append: [{ like: 'MEA:4', usage: 'O' }] },
  DMG: {
    set: {
      5: {
        ref: 'C056',
        name: 'Composite Race or Ethnicity Information',
        repeat: 10,
        composite: [
          { like: 'DMG:5', usage: 'O' },
          { ref: '1270', name: 'Code List Qualifier Code', usage: 'O', type: 'ID', min: 1, max: 3 },
          { ref: '1271', name: 'Industry Code', usage: 'O', type: 'AN', min: 1, max: 30 },
        ],
      },
    },
    append: [
      { ref: '1270', name: 'Code List Qualifier Code', usage: 'O', type: 'ID', min: 1, max: 3 },
      { ref: '1271', name: 'Industry Code', usage: 'O', type: 'AN', min: 1, max: 30 },
    ],
  },
  DD: { set: { 4: ref127 } },
  ETD: { set: { 4: ref127 } },
  G61: { set: { 4: ref364 } },
  GF: { set: { 2: ref127, 6: ref127, 9: ref127 } },
  INC: { set: { 4: { usage: 'O' } }, append: [{ like: 'AMT:1', usage: 'O' }] },
  IT1: { set: { 2: { max: 15 } } },
  LE: { set: { 1: { max: 4 } } },
  LEP: { set: { 4: ref127 } },
  LFH: { append: [{ like: 'DTM:2', usage: 'O' }] },
  LH2: {
    append: [
      { ref: '188', name: 'Weight Unit Code', usage: 'O', type: 'ID', min: 1, max: 1 },
      { ref: '267', name: 'Net Explosive Quantity', usage: 'O', type: 'N0', min: 1, max: 10 },
    ],
  },
  LH4: { set: { 2: ref364, 8: { max: 10 }, 11: ref364 } },
  LHE: { set: { 4: ref127 } },
  LHR: { set: { 2: ref127 } },
  LS: { set: { 1: { max: 4 } } },
  MEA: {
    append: [
      { ref: '1270', name: 'Code List Qualifier Code', usage: 'O', type: 'ID', min: 1, max: 3 },
      { ref: '1271', name: 'Industry Code', usage: 'O', type: 'AN', min: 1, max: 30 },
    ],
  },
  MTX: {
    append: [
      { ref: '1470', name: 'Number', usage: 'O', type: 'N0', min: 1, max: 9 },
      { like: 'PID:9', usage: 'O' },
    ],
  },
  N4: { append: [{ ref: '1715', name: 'Country Subdivision Code', usage: 'O', type: 'ID', min: 1, max: 3 }] },
  N9: { set: { 2: ref127 } },
  NX2: {
    append: [
      { like: 'NX2:1', usage: 'O' },
      { like: 'NX2:2', usage: 'O' },
    ],
  },
  PAL: { append: [{ ref: '1699', name: 'Pallet Structure Code', usage: 'O', type: 'ID', min: 1, max: 1 }] },
  PD: { set: { 8: ref127 } },
  PER: { set: { 4: ref364, 6: ref364, 8: ref364 } },
  PO1: { set: { 2: { ref: '380', name: 'Quantity' } } },
  REF: { set: { 2: ref127 } },
  SAC: { set: { 13: ref127 } },
  SI: { set: Object.fromEntries([2, 4, 6, 8, 10, 12, 14, 16, 18, 20].map((n) => [n, ref1000])) },
  SN1: { set: { 5: { ref: '380', name: 'Quantity' } } },
  SPI: { set: { 3: ref127 } },
  ST: {
    append: [{ ref: '1705', name: 'Implementation Convention Reference', usage: 'O', type: 'AN', min: 1, max: 35 }],
  },
  TD3: { set: { 3: { max: 15 } } },
  W05: { append: [{ like: 'BEG:2', usage: 'O' }] },
  W27: { set: { 7: { max: 15 } } },
  W28: { set: { 8: { max: 25 } } },
};

/** Composite changes by composite id, wherever the composite is used: component n (1-based) in place. */
const COMPOSITES = {
  C040: { 2: ref127, 4: ref127, 6: ref127 },
};

/**
 * Codes 005010 added to the lists the 004010 profiles check (by data element), from the 005010 dictionary
 * as EdiFabric lists it: 353 purpose code 57, 670 change or response type AA. ST01 stays the set's own id.
 */
const CODES_ADDED = {
  353: ['57'],
  670: ['AA'],
};

/** Segments 005010 places in these sets that no 004010 profile here defines. */
const NEW_SEGMENTS = {
  AT9: {
    name: 'Trailer or Container Dimension and Weight',
    elements: [
      { ref: '567', name: 'Equipment Length', usage: 'O', type: 'N0', min: 4, max: 5 },
      { like: 'PO4:12', usage: 'O' },
      { like: 'PO4:11', usage: 'O' },
      { like: 'TD1:6', usage: 'O' },
      { ref: '188', name: 'Weight Unit Code', usage: 'O', type: 'ID', min: 1, max: 1 },
      { like: 'TD1:7', usage: 'O' },
      { ref: '184', name: 'Volume Unit Qualifier', usage: 'O', type: 'ID', min: 1, max: 1 },
      { like: 'TD1:9', usage: 'O' },
    ],
  },
  EFI: {
    name: 'Electronic Format Identification',
    elements: [
      { like: 'BEG:11', usage: 'M' },
      { ref: '933', name: 'Free-form Message Text', usage: 'O', type: 'AN', min: 1, max: 264 },
      { ref: '797', name: 'Security Technique Code', usage: 'O', type: 'ID', min: 2, max: 2 },
      { ref: '799', name: 'Version Identifier', usage: 'O', type: 'AN', min: 1, max: 30 },
      { ref: '802', name: 'Program Identifier', usage: 'O', type: 'AN', min: 1, max: 30 },
      { ref: '799', name: 'Version Identifier', usage: 'O', type: 'AN', min: 1, max: 30 },
      { ref: '801', name: 'Interchange Format', usage: 'O', type: 'AN', min: 1, max: 30 },
      { ref: '799', name: 'Version Identifier', usage: 'O', type: 'AN', min: 1, max: 30 },
      { ref: '800', name: 'Compression Technique', usage: 'O', type: 'AN', min: 1, max: 30 },
      { ref: '789', name: 'Drawing Sheet Size Code', usage: 'O', type: 'ID', min: 2, max: 2 },
      { ref: '803', name: 'File Name', usage: 'O', type: 'AN', min: 1, max: 64 },
      { ref: '804', name: 'Block Type', usage: 'O', type: 'AN', min: 1, max: 4 },
      { ref: '787', name: 'Record Length', usage: 'O', type: 'N0', min: 1, max: 15 },
      { ref: '788', name: 'Block Length', usage: 'O', type: 'N0', min: 1, max: 5 },
      { ref: '799', name: 'Version Identifier', usage: 'O', type: 'AN', min: 1, max: 30 },
      { ref: '1570', name: 'Filter ID Code', usage: 'O', type: 'ID', min: 3, max: 3 },
    ],
  },
  IN2: {
    name: 'Individual Name Structure Components',
    elements: [
      { ref: '1104', name: 'Name Component Qualifier', usage: 'M', type: 'ID', min: 2, max: 2 },
      { ref: '93', name: 'Name', usage: 'M', type: 'AN', min: 1, max: 60 },
      { ref: '93', name: 'Name', usage: 'O', type: 'AN', min: 1, max: 60 },
    ],
  },
};

/**
 * Table changes per set, on paths of loop ids and a tag (`PO1>SLN>PO3`; a loop by its id). `rename`
 * changes a segment at every position; `insert` places an entry after a position; `remove` drops one;
 * `set` changes a position's usage or max; `loop` turns a segment position into a loop it opens (the
 * position's usage and max go to the loop) with the given segments after it.
 */
const MTX_FOR_MSG = { op: 'rename', from: 'MSG', to: 'MTX', max: 'unbounded' };
const unbounded = (segment) => ({ segment, usage: 'O', max: 'unbounded' });
const PARTIES_AND_NOTES = (loops) => [
  MTX_FOR_MSG,
  ...loops.flatMap((at) => [
    { op: 'insert', after: `${at ? `${at}>` : ''}N9>MTX`, entry: unbounded('PWK') },
    { op: 'insert', after: `${at ? `${at}>` : ''}N9>PWK`, entry: unbounded('EFI') },
  ]),
];
const LDT_LOOP = (after, ...inside) => [
  { op: 'remove', at: 'LDT' },
  {
    op: 'insert',
    after,
    entry: {
      loop: 'LDT',
      usage: 'O',
      max: 'unbounded',
      structure: [{ segment: 'LDT', usage: 'M' }, ...inside.map(unbounded)],
    },
  },
];
const LM_LOOP = {
  loop: 'LM',
  usage: 'O',
  max: 'unbounded',
  structure: [
    { segment: 'LM', usage: 'M' },
    { segment: 'LQ', usage: 'M', max: 'unbounded' },
  ],
};
/** A party named by N1 alone (with its contact PER beside it, where 004010 has one) becomes an N1 loop with its address. */
const N1_LOOP = (at, perMax, perBeside) => [
  ...(perBeside ? [{ op: 'remove', at: `${at}>PER` }] : []),
  {
    op: 'loop',
    at: `${at}>N1`,
    max: 'unbounded',
    add: [
      { segment: 'N2', usage: 'O' },
      { segment: 'N3', usage: 'O' },
      { segment: 'N4', usage: 'O' },
      { segment: 'PER', usage: 'O', max: perMax },
    ],
  },
];
const TABLES = {
  846: [],
  860: [
    ...PARTIES_AND_NOTES(['', 'POC']),
    ...['N1', 'POC>N1', 'POC>SLN>N1'].map((at) => ({ op: 'insert', after: `${at}>N2`, entry: unbounded('IN2') })),
    { op: 'insert', after: 'POC>SLN>PO3', entry: unbounded('MEA') },
    { op: 'insert', after: 'POC>SCH>TD4', entry: unbounded('REF') },
    ...LDT_LOOP('PCT', 'QTY', 'MTX', 'REF'),
  ],
  865: [
    ...PARTIES_AND_NOTES(['', 'POC']),
    ...['N1', 'POC>N1', 'POC>SLN>N1'].map((at) => ({ op: 'insert', after: `${at}>N2`, entry: unbounded('IN2') })),
    { op: 'insert', after: 'POC>SLN>PO3', entry: unbounded('MEA') },
    { op: 'insert', after: 'POC>SLN>N9>DTM', entry: unbounded('MTX') },
    ...LDT_LOOP('G53', 'QTY', 'MTX'),
    { op: 'insert', after: 'ADV', entry: LM_LOOP },
    { op: 'insert', after: 'POC>CTB', entry: LM_LOOP },
  ],
  940: [
    { op: 'set', at: 'W6', max: 5 },
    {
      op: 'insert',
      after: 'BNX',
      entry: {
        loop: 'TD3',
        usage: 'O',
        structure: [
          { segment: 'TD3', usage: 'M' },
          { segment: 'AT9', usage: 'O' },
        ],
      },
    },
    { op: 'insert', after: 'LX>G62', entry: unbounded('N9') },
    { op: 'set', at: 'LX>W01>AMT', max: 'unbounded' },
    ...N1_LOOP('LX>W01', 5, true),
  ],
  945: [{ op: 'insert', after: 'G72', entry: { segment: 'TD1', usage: 'O', max: 5 } }, ...N1_LOOP('LX>W12', 1, false)],
  850: [
    ...PARTIES_AND_NOTES(['', 'PO1']),
    ...['N1', 'PO1>N1', 'PO1>SLN>N1'].map((at) => ({ op: 'insert', after: `${at}>N2`, entry: unbounded('IN2') })),
    { op: 'insert', after: 'PO1>SLN>PO3', entry: unbounded('MEA') },
    { op: 'remove', at: 'LDT' },
    {
      op: 'insert',
      after: 'TXI',
      entry: {
        loop: 'LDT',
        usage: 'O',
        max: 'unbounded',
        structure: [{ segment: 'LDT', usage: 'M' }, unbounded('QTY'), unbounded('MTX'), unbounded('REF')],
      },
    },
    { op: 'set', at: 'TD5', max: 'unbounded' },
    { op: 'set', at: 'PO1>AMT>REF', max: 'unbounded' },
  ],
  855: [
    ...PARTIES_AND_NOTES(['', 'PO1']),
    ...['N1', 'PO1>N1', 'PO1>SLN>N1'].map((at) => ({ op: 'insert', after: `${at}>N2`, entry: unbounded('IN2') })),
    { op: 'insert', after: 'PO1>SLN>PO3', entry: unbounded('MEA') },
  ],
  810: [
    { op: 'insert', after: 'PAM', entry: { segment: 'CRC', usage: 'O' } },
    ...['TXI', 'IT1>TXI', 'IT1>SLN>TXI', 'IT1>SLN>SAC', 'SAC', 'IT1>SAC'].map((at) => ({
      op: 'set',
      at,
      max: 'unbounded',
    })),
    { op: 'insert', after: 'SAC>SAC', entry: unbounded('DTM') },
    ...['SAC>TXI', 'IT1>SAC>TXI'].map((at) => ({
      op: 'loop',
      at,
      max: 'unbounded',
      add: [{ segment: 'DTM', usage: 'O' }],
    })),
  ],
  856: [
    { op: 'loop', at: 'HL>TD3', add: [{ segment: 'AT9', usage: 'O' }] },
    { op: 'set', at: 'HL>LH1>LH4', max: 4 },
  ],
};

function readProfile(type) {
  return YAML.parse(fs.readFileSync(path.join(PROFILES, 'x12', '004010', `${type}.yaml`), 'utf8'));
}

/** Every 004010 segment definition here, by tag: where `like` finds the data element it copies. */
let dictionary;
function dictionary004010() {
  if (dictionary) return dictionary;
  const dir = path.join(PROFILES, 'x12', '004010');
  const out = {};
  for (const f of fs.readdirSync(dir).sort())
    for (const [tag, def] of Object.entries(YAML.parse(fs.readFileSync(path.join(dir, f), 'utf8')).segments ?? {}))
      out[tag] ??= def;
  dictionary = out;
  return out;
}

function resolveElement(spec, dict) {
  if (spec.like === undefined) {
    if (!spec.composite) return { ...spec };
    return { ...spec, composite: spec.composite.map((c) => resolveElement(c, dict)) };
  }
  const [tag, n] = spec.like.split(':');
  const found = dict[tag]?.elements[Number(n) - 1];
  if (!found) throw new Error(`like ${spec.like}: no such 004010 element`);
  const { like: _like, ...rest } = spec;
  const copy = structuredClone(found);
  delete copy.codes;
  return { ...copy, ...rest };
}

function changeSegment(tag, def, dict) {
  const change = SEGMENTS[tag];
  if (!change) return { ...def, elements: def.elements.map(changeComposite) };
  const elements = def.elements.map((e) => structuredClone(e));
  for (const [n, patch] of Object.entries(change.set ?? {})) {
    const i = Number(n) - 1;
    if (!elements[i]) throw new Error(`${tag}${n}: no such element in the 004010 profile`);
    const next = resolveElement(patch, dict);
    if (next.composite) {
      const { type: _t, min: _mn, max: _mx, codes: _c, ...kept } = elements[i];
      elements[i] = { ...kept, ...next };
    } else elements[i] = { ...elements[i], ...next };
  }
  for (const spec of change.append ?? []) elements.push(resolveElement(spec, dict));
  return { ...def, elements: elements.map(changeComposite) };
}

function withAddedCodes(element) {
  if (element.composite) return { ...element, composite: element.composite.map(withAddedCodes) };
  const added = element.codes && CODES_ADDED[element.ref];
  return added ? { ...element, codes: [...new Set([...element.codes, ...added])].sort() } : element;
}

function changeComposite(element) {
  const change = element.composite && COMPOSITES[element.ref];
  if (!change) return element;
  const composite = element.composite.map((c, i) => (change[i + 1] ? { ...c, ...change[i + 1] } : c));
  return { ...element, composite };
}

/** The list holding the position `at` (`PO1>SLN>PO3`) and its index there. */
function locate(structure, at) {
  const parts = at.split('>');
  let list = structure;
  for (const loopId of parts.slice(0, -1)) {
    const loop = list.find((e) => e.loop === loopId);
    if (!loop) throw new Error(`${at}: no loop ${loopId}`);
    list = loop.structure;
  }
  const tag = parts[parts.length - 1];
  let index = list.findIndex((e) => e.loop === tag);
  if (index < 0) index = list.findIndex((e) => e.segment === tag);
  if (index < 0) throw new Error(`${at}: no position ${tag}`);
  return { list, index };
}

function renameAll(structure, op) {
  for (const e of structure) {
    if (e.structure) renameAll(e.structure, op);
    else if (e.segment === op.from) {
      e.segment = op.to;
      e.max = op.max;
    }
  }
}

function applyTable(structure, ops) {
  for (const op of ops) {
    if (op.op === 'rename') {
      renameAll(structure, op);
      continue;
    }
    const { list, index } = locate(structure, op.at ?? op.after);
    if (op.op === 'insert') list.splice(index + 1, 0, structuredClone(op.entry));
    else if (op.op === 'remove') list.splice(index, 1);
    else if (op.op === 'set') list[index].max = op.max;
    else if (op.op === 'loop') {
      const seg = list[index];
      list[index] = {
        loop: seg.segment,
        usage: seg.usage,
        max: op.max ?? seg.max ?? 1,
        structure: [{ segment: seg.segment, usage: 'M' }, ...structuredClone(op.add)],
      };
    } else throw new Error(`unknown table change ${op.op}`);
  }
}

function usedTags(structure, out = new Set()) {
  for (const e of structure) {
    if (e.structure) usedTags(e.structure, out);
    else out.add(e.segment);
  }
  return out;
}

function build005010(type) {
  const base = readProfile(type);
  const dict = dictionary004010();
  const structure = structuredClone(base.structure);
  applyTable(structure, TABLES[type]);
  const segments = {};
  for (const tag of [...usedTags(structure)].sort()) {
    const def = base.segments[tag] ?? dict[tag] ?? NEW_SEGMENTS[tag];
    if (!def) throw new Error(`${type}: no definition for ${tag}`);
    const own =
      NEW_SEGMENTS[tag] === def ? { ...def, elements: def.elements.map((e) => resolveElement(e, dict)) } : def;
    const changed = changeSegment(tag, own, dict);
    segments[tag] = { ...changed, elements: changed.elements.map(withAddedCodes) };
  }
  return {
    standard: 'x12',
    version: '005010',
    type: base.type,
    name: base.name,
    source: SOURCE,
    segments,
    structure,
  };
}

function toYaml(profile) {
  return profileYaml(
    profile,
    ` Generated by scripts/x12-005010.js from profiles/x12/004010/${profile.type}.yaml; do not edit by hand.\n` +
      ` X12 005010 ${profile.type} ${profile.name}: the generic standard. Loop ids are the loop's first segment tag.`,
    ['rules', 'codes'],
  );
}

function main(argv) {
  return writeProfiles(argv, 'x12-005010.js', PROFILES, () =>
    TYPES.map((type) => ({ file: path.join('x12', '005010', `${type}.yaml`), text: toYaml(build005010(type)) })),
  );
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));

module.exports = { build005010, TYPES };
