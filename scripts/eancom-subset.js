#!/usr/bin/env node
/**
 * Writes the EANCOM 2002 subset profiles (profiles/edifact/EAN0xx/<type>.yaml) from the D.01B
 * profiles they narrow. EANCOM 2002 is a subset of the D.01B directory: same segment groups and
 * element positions (partner maps read the same tree keys), fewer segments and groups, narrower code
 * lists. What each subset narrows is the data below, one entry per fact, each from the GS1 pages
 * named in `sources`; nothing is narrowed that those pages do not show. Deterministic output;
 * test/unit/profiles.test.ts regenerates into a temporary folder and compares byte for byte.
 *
 *   node scripts/eancom-subset.js              # = npm run profiles:eancom
 *   node scripts/eancom-subset.js --out DIR    # write elsewhere, e.g. to compare
 */
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const YAML = require('yaml');
const { profileYaml, writeProfiles } = require('./profile-yaml');

const PROFILES = path.resolve(__dirname, '../profiles');

const GS1_PAGES = {
  ordersChart:
    'gs1.org/sites/default/files/docs/eancom/ean02s4/part2/orders/021.htm (message structure chart, heading section through SG23; SG24 to SG27 as D.01B)',
  ordersBgm: 'eancom.com/ean02s4/part2/orders/052.htm (BGM 1001, 3055 and 1225)',
  invoicBgm: 'eancom.com/ean02s4/part2/invoic/052.htm (BGM 1001)',
  desadvBgm: 'eancom.com/ean02s3/part2/desadv/052.htm (BGM 1001, 3055 and 1225)',
  ordersSg37Dtm: 'eancom.com/ean02s4/part2/orders/0572.htm (SG37 DTM 2005)',
  ordrspLineCodes:
    'eancom.com/ean02s4/part2/ordrsp/0552.htm, 0554.htm, 0566.htm (SG26 QTY 6063 and DTM 2005, SG32 QTY 6063)',
  ordersLine:
    'eancom.com/ean02s4/part2/orders/0564.htm, 0570.htm, 0584.htm (segment group headings of SG28, SG34, SG37, SG43; SG37 LOC 3227)',
  ordrspLine: 'eancom.com/ean02s4/part2/ordrsp/0570.htm (segment group headings of SG26, SG32, SG34; SG34 GIN 7405)',
  ordrspParty: 'EANCOM 2002 S4 ORDRSP, Edition 2008, segment 10 (SG3 heading NAD-LOC-FII-SG4-SG6; SG3 LOC 3227)',
  ordrspHeading: 'eancom.com/ean02s4/part2/ordrsp/053.htm, 057.htm (heading DTM 2005, SG1 RFF 1153)',
  ordrspNad: 'eancom.com/ean02s3/part2/ordrsp/059.htm (SG3 NAD 3035)',
  ordrspLin:
    'EANCOM 2002 S4 ORDRSP, Edition 2008, segment 48 (SG26 LIN 1229; EANCOM 1997 ORDRSP gives the same five codes)',
  desadvChart:
    'eancom.com/ean02s3/part2/desadv/021.htm (message structure chart, EANCOM 2002 S3 DESADV, through SG17; SG18 onwards as D.01B)',
  invoicLine:
    'eancom.com/ean02s3/part2/invoic/0568.htm and ean02s4/part2/invoic/0580.htm (SG26, SG35, SG36 headings; SG36 RFF 1153)',
  nad: 'EANCOM 2002 NAD C082: 3039 a GLN (format n13), 3055 restricted to 9 = GS1 (eancom.com/ean02s4/part2/ordchg/0574.htm, ean02s3/part2/ostenq/055.htm; GS1 in Europe eDESADV h524.htm)',
  lin: 'EANCOM 2002 LIN C212: 7140 a GTIN (format n..14), 7143 restricted to SRV = GS1 Global Trade Item Number (eancom.com/ean02s4/part2/ostrpt/0516.htm; GS1 in Europe eDESADV h531.htm, eInvoice SG26 LIN)',
  ORDERS: 'subset version 010 (gs1.org/sites/default/files/docs/eancom/ean02s4/part2/orders/053.htm)',
  ORDRSP:
    'subset version 009 (gs1.org/sites/default/files/docs/eancom/ean02s4/part2/ordrsp/intro.htm; 008 in the Edition 2008)',
  DESADV:
    'subset version 007 (EANCOM 2002 S3 and S4 DESADV, Edition 2008, introduction and UNH); 008 as partners send it',
  INVOIC:
    'subset version 011 (gs1.org/sites/default/files/docs/eancom/ean02s4/part2/invoic/intro.htm); 010 as partners send it',
};

/** Element narrowing every EANCOM 2002 subset shares: parties by GLN, items by GTIN. */
const COMMON_ELEMENTS = [
  { segment: 'NAD', element: 'C082', component: '3039', format: 'gs1-check-digit' },
  { segment: 'NAD', element: 'C082', component: '3055', codes: ['9'] },
  { segment: 'LIN', element: 'C212', component: '7140', format: 'gs1-check-digit' },
  { segment: 'LIN', element: 'C212', component: '7143', codes: ['SRV'] },
];

/**
 * notUsed: `SGn` a segment group, `SGn TAG` a segment directly in group SGn, `TAG` a segment of the
 * heading, detail or summary level (its first position there). elements: as COMMON_ELEMENTS; with
 * `at` (`SGn TAG`) the narrowing applies to that position only.
 */
const SUBSETS = [
  {
    type: 'ORDERS',
    implementation: 'EAN010',
    aliases: [],
    name: 'Purchase order message (EANCOM 2002, subset 010)',
    sources: ['ordersBgm', 'ordersChart', 'ordersLine', 'ordersSg37Dtm', 'nad', 'lin'],
    notUsed: [
      'IMD',
      'GIR',
      'SG3 DTM',
      'SG4 DTM',
      'SG6 LOC',
      'SG7 PCD',
      'SG9 GIR',
      'SG9 RJL',
      'SG13 MEA',
      'SG15 HAN',
      'SG15 MEA',
      'SG15 FTX',
      'SG16',
      'SG18',
      'SG28 PCD',
      'SG28 GIS',
      'SG28 GIR',
      'SG28 DOC',
      'SG28 PAI',
      'SG28 MTD',
      'SG29',
      'SG30',
      'SG34 MEA',
      'SG34 DTM',
      'SG35',
      'SG37 PCD',
      'SG51',
      'SG52',
      'SG53',
      'SG55',
      'SG56',
      'SG58',
    ],
    elements: [
      {
        segment: 'BGM',
        element: 'C002',
        component: '1001',
        codes: ['220', '221', '224', '225', '226', '227', '22E', '23E', '258', '237', '400', '401', '402'],
      },
      { segment: 'BGM', element: 'C002', component: '3055', codes: ['9'] },
      { segment: 'BGM', element: '1225', codes: ['5', '6', '7', '9', '16', '29', '31', '42', '46'] },
      { at: 'SG37 LOC', segment: 'LOC', element: '3227', codes: ['7'] },
      {
        at: 'SG37 DTM',
        segment: 'DTM',
        element: 'C507',
        component: '2005',
        codes: ['2', '10', '11', '61', '63', '64', '69', 'X14', '200', '364'],
      },
    ],
  },
  {
    type: 'ORDRSP',
    implementation: 'EAN009',
    aliases: ['EAN008'],
    name: 'Purchase order response message (EANCOM 2002, subset 009)',
    sources: ['ordrspHeading', 'ordrspParty', 'ordrspNad', 'ordrspLin', 'ordrspLine', 'ordrspLineCodes', 'nad', 'lin'],
    notUsed: [
      'SG5',
      'SG26 PCD',
      'SG26 GIS',
      'SG26 GIR',
      'SG26 DOC',
      'SG26 PAI',
      'SG26 MTD',
      'SG27',
      'SG28',
      'SG29',
      'SG32 DTM',
      'SG33',
      'SG49',
      'SG50',
      'SG51',
      'SG53',
      'SG54',
    ],
    elements: [
      {
        at: 'DTM',
        segment: 'DTM',
        element: 'C507',
        component: '2005',
        // prettier-ignore
        codes: ['2', '11', '17', '37', '38', '61', '63', '64', '69', '71', '76', 'X14', '137', '200', '223', '255', '263', '266', '383', '234'],
      },
      {
        at: 'SG1 RFF',
        segment: 'RFF',
        element: 'C506',
        component: '1153',
        // prettier-ignore
        codes: ['BO', 'CR', 'CT', 'IA', 'IP', 'IT', 'ON', 'PD', 'POR', 'PW', 'UC', 'VN', 'AE', 'AKO', 'ANJ'],
      },
      { at: 'SG3 NAD', segment: 'NAD', element: '3035', codes: ['BY', 'CS', 'DP', 'IV', 'SN', 'SR', 'SU', 'UD', 'WH'] },
      { at: 'SG3 LOC', segment: 'LOC', element: '3227', codes: ['7'] },
      { at: 'SG26 LIN', segment: 'LIN', element: '1229', codes: ['1', '3', '4', '5', '7'] },
      {
        at: 'SG26 QTY',
        segment: 'QTY',
        element: 'C186',
        component: '6063',
        codes: ['1', '12', '17', '21', '47', '52', '53', '54', '59', '83', '113', '170', '192', '246'],
      },
      {
        at: 'SG26 DTM',
        segment: 'DTM',
        element: 'C507',
        component: '2005',
        // prettier-ignore
        codes: ['2', '8', '11', '15', '17', '44', '61', '63', '64', '69', '76', 'X14', '200', '364', '382', '506'],
      },
      { at: 'SG32 QTY', segment: 'QTY', element: 'C186', component: '6063', codes: ['52'] },
      { at: 'SG34 GIN', segment: 'GIN', element: '7405', codes: ['BJ', 'BN', 'BX', 'SRV'] },
    ],
  },
  {
    type: 'DESADV',
    implementation: 'EAN007',
    aliases: ['EAN008'],
    name: 'Despatch advice message (EANCOM 2002, subset 007)',
    sources: ['desadvChart', 'desadvBgm', 'nad', 'lin'],
    notUsed: [
      'CUX',
      'SG3 DTM',
      'SG5 FTX',
      'SG6 PCD',
      'SG6 TMD',
      'SG8 EQA',
      'SG9',
      'SG10 QVR',
      'SG12 FTX',
      'SG14',
      'SG15 DLM',
      'SG16',
      'SG17 GIN',
      'SG17 GIR',
      'SG17 NAD',
      'SG17 TDT',
      'SG17 TMD',
      'SG17 HAN',
      'SG19',
      'SG21',
    ],
    elements: [
      {
        segment: 'BGM',
        element: 'C002',
        component: '1001',
        codes: ['345', '351', '35E', 'YA5', 'YA6', 'YA7', 'YB3'],
      },
      { segment: 'BGM', element: 'C002', component: '3055', codes: ['9'] },
      { segment: 'BGM', element: '1225', codes: ['1', '4', '5', '7', '9', '31', '42'] },
    ],
  },
  {
    type: 'INVOIC',
    implementation: 'EAN011',
    aliases: ['EAN010'],
    name: 'Invoice message (EANCOM 2002, subset 011)',
    sources: ['invoicBgm', 'invoicLine', 'nad', 'lin'],
    notUsed: [
      'SG26 PGI',
      'SG26 PCD',
      'SG26 GIR',
      'SG26 EQD',
      'SG26 DGS',
      'SG35 LOC',
      'SG35 FII',
      'SG37',
      'SG38',
      'SG48',
      'SG49',
    ],
    elements: [
      {
        segment: 'BGM',
        element: 'C002',
        component: '1001',
        // prettier-ignore
        codes: ['67', '82', '83', '84', '130', '325', '380', '381', '382', '383', '384', '385', '386', '388', '389', '390', '393', '261', '262', '308', '527'],
      },
      { at: 'SG36 RFF', segment: 'RFF', element: 'C506', component: '1153', codes: ['YC1', 'GN', 'VA', 'XA', 'AQQ'] },
    ],
  },
];

/** Every loop of the structure by id (loop ids are unique in a D.01B profile). */
function loopsById(entries, out = new Map()) {
  for (const e of entries) {
    if (e.loop) {
      if (out.has(e.loop)) throw new Error(`loop ${e.loop} occurs twice`);
      out.set(e.loop, e);
      loopsById(e.structure, out);
    }
  }
  return out;
}

/** The structure entry a `notUsed` or `at` reference names. */
function position(profile, loops, ref) {
  const [first, tag] = ref.split(' ');
  if (/^SG\d+$/.test(first)) {
    const loop = loops.get(first);
    if (!loop) throw new Error(`${profile.type}: no segment group ${first}`);
    if (tag === undefined) return loop;
    const seg = loop.structure.find((e) => e.segment === tag);
    if (!seg) throw new Error(`${profile.type}: ${first} has no segment ${tag}`);
    return seg;
  }
  const seg = profile.structure.find((e) => e.segment === first);
  if (!seg) throw new Error(`${profile.type}: no top-level segment ${first}`);
  return seg;
}

function narrowElement(profile, loops, rule) {
  let elements;
  if (rule.at) {
    const entry = position(profile, loops, rule.at);
    if (entry.segment !== rule.segment) throw new Error(`${rule.at} is not a ${rule.segment}`);
    entry.elements ??= structuredClone(profile.segments[rule.segment].elements);
    elements = entry.elements;
  } else {
    elements = profile.segments[rule.segment].elements;
  }
  const el = elements.find((e) => e.ref === rule.element);
  if (!el) throw new Error(`${profile.type}: ${rule.segment} has no element ${rule.element}`);
  const target = rule.component ? el.composite?.find((c) => c.ref === rule.component) : el;
  if (!target) throw new Error(`${profile.type}: ${rule.segment} ${rule.element} has no component ${rule.component}`);
  if (rule.codes) target.codes = [...rule.codes];
  if (rule.format) target.format = rule.format;
}

function buildSubset(subset) {
  const base = YAML.parse(fs.readFileSync(path.join(PROFILES, 'edifact', 'D01B', `${subset.type}.yaml`), 'utf8'));
  const profile = {
    standard: base.standard,
    version: base.version,
    ...(subset.aliases.length ? { aliases: subset.aliases } : {}),
    type: base.type,
    implementation: subset.implementation,
    name: subset.name,
    source:
      `EANCOM 2002 (GS1), the ${subset.type} subset of UN/EDIFACT D.01B, written by scripts/eancom-subset.js over ` +
      `profiles/edifact/D01B/${subset.type}.yaml (positions, lengths and group numbers as there). Narrowed only where ` +
      `these GS1 pages show it: ${[subset.type, ...subset.sources].map((k) => GS1_PAGES[k]).join('; ')}. Segments and groups that ` +
      `those pages leave out are usage N; other positions keep D.01B's usage and the code lists not named here stay open.`,
    segments: base.segments,
    structure: base.structure,
  };
  const loops = loopsById(profile.structure);
  for (const ref of subset.notUsed) {
    const entry = position(profile, loops, ref);
    if (ref.includes(' ') && loops.get(ref.split(' ')[0]).structure[0] === entry)
      throw new Error(`${subset.type}: ${ref} opens its group; mark the group not used instead`);
    entry.usage = 'N';
  }
  for (const rule of [...COMMON_ELEMENTS, ...subset.elements]) narrowElement(profile, loops, rule);
  return profile;
}

function toYaml(profile) {
  return profileYaml(
    profile,
    ` Generated by scripts/eancom-subset.js from profiles/edifact/D01B/${profile.type}.yaml; do not edit by hand.\n` +
      ` EANCOM 2002 ${profile.type}, UNH S009 0057 ${[profile.implementation, ...(profile.aliases ?? [])].join(' or ')}.`,
    ['aliases', 'codes'],
  );
}

function main(argv) {
  return writeProfiles(argv, 'eancom-subset.js', PROFILES, () =>
    SUBSETS.map((subset) => ({
      file: path.join('edifact', subset.implementation, `${subset.type}.yaml`),
      text: toYaml(buildSubset(subset)),
    })),
  );
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));

module.exports = { buildSubset, SUBSETS };
