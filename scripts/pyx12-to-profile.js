#!/usr/bin/env node
'use strict';

/**
 * Writes the profiles derived from pyx12's XML maps (docs/profiles.md, "Where the shipped profiles come from"):
 *
 *   node scripts/pyx12-to-profile.js [--out DIR]
 *
 * DIR defaults to profiles/. The maps are read from ../shared/corpus/defs/pyx12-maps (BSD-3-Clause,
 * LICENSE.pyx12.txt there); only the ST…SE part of each map becomes a profile. The output is
 * deterministic: running the script twice writes the same bytes.
 */

const fs = require('fs');
const path = require('path');
const { XMLParser } = require('fast-xml-parser');
const YAML = require('yaml');

const MAPS = path.resolve(__dirname, '../../shared/corpus/defs/pyx12-maps');
const LICENCE = 'shared/corpus/defs/pyx12-maps/LICENSE.pyx12.txt';

/**
 * One entry per generated profile. `dropCodes` removes code lists (by position id) that pyx12 narrows
 * to HIPAA values where the profile serves the generic standard; `lengths` corrects dataele.xml
 * lengths by data element number; `transform` edits the map before conversion, where no map of the
 * profile's version exists; `fixes` are named corrections of facts pyx12 gets wrong, applied in order
 * to the converted profile (see "Named fact corrections"). ST03's code list is the implementation and
 * its aliases.
 */
const TARGETS = [
  {
    map: '997.4010.xml',
    out: 'x12/004010/997.yaml',
    version: '004010',
    type: '997',
    name: 'Functional Acknowledgment',
    // pyx12's 997 map is HIPAA's: AK101 and AK201 list only health-care groups and sets. The generic
    // 004010 997 acknowledges any group (PO, IN, SH...), so those two lists are dropped.
    dropCodes: ['AK101', 'AK201'],
    // dataele.xml serves the 4010 and 5010 maps alike and carries 5010 lengths; in 004010, data
    // element 447 (AK303 Loop Identifier Code) is AN 1/6.
    lengths: { 447: { min: 1, max: 6 } },
  },
  {
    // pyx12 has no 005010 997 map: its 004010 map is brought to 005010 by upgrade997To005010. The
    // X230 guide's 997 has the standard's structure, so the profile answers to 005010X230 as well,
    // with the standard's usage and code lists (no HIPAA-only narrowing).
    map: '997.4010.xml',
    transform: upgrade997To005010,
    out: 'x12/005010/997.yaml',
    version: '005010',
    aliases: ['005010X230'],
    type: '997',
    name: 'Functional Acknowledgment',
    dropCodes: ['AK101', 'AK201'],
    // dataele.xml gives data element 719 (AK302 Segment Position in Transaction Set) its 004010
    // length; in 005010 it is N0 1/10.
    lengths: { 719: { min: 1, max: 10 } },
  },
  {
    map: '999.5010X231.A1.xml',
    out: 'x12/005010X231A1/999.yaml',
    version: '005010',
    type: '999',
    implementation: '005010X231A1',
    aliases: ['005010X231'],
    name: 'Implementation Acknowledgment for Health Care Insurance',
    fixes: [segmentPositionLength005010, implementationElementErrorCodesWithout11],
  },
  {
    map: '837.5010.X222.A1.xml',
    out: 'x12/005010X222A1/837.yaml',
    version: '005010',
    type: '837',
    implementation: '005010X222A1',
    aliases: ['005010X222', '005010X222A2'],
    name: 'Health Care Claim: Professional',
  },
];

/** Element repeats are counts in the schema; a pyx12 '>1' element repeat (none in these maps) becomes this. */
const UNBOUNDED_REPEAT = 99999;
const USAGE = { R: 'M', S: 'O', N: 'N' };
const TYPES = new Set(['AN', 'ID', 'N0', 'N1', 'N2', 'N3', 'N4', 'N5', 'N6', 'N7', 'N8', 'N9', 'R', 'DT', 'TM', 'B']);

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
});

// --- XML helpers (fast-xml-parser preserveOrder form: [{ tag: [children], ':@': attrs }]) ---

function tagOf(node) {
  return Object.keys(node).find((k) => k !== ':@');
}
function childrenOf(node) {
  const c = node[tagOf(node)];
  return Array.isArray(c) ? c : [];
}
function attrsOf(node) {
  return node[':@'] || {};
}
function childNodes(node, tag) {
  return childrenOf(node).filter((c) => tagOf(c) === tag);
}
function textOf(node, tag) {
  const c = childNodes(node, tag)[0];
  if (!c) return undefined;
  const t = childrenOf(c).find((x) => tagOf(x) === '#text');
  return t === undefined ? '' : String(t['#text']);
}

function readXml(file) {
  return parser.parse(fs.readFileSync(file, 'utf8'));
}

function xmlText(tag, text) {
  return { [tag]: [{ '#text': text }] };
}

function findNode(nodes, tag, xid) {
  for (const n of nodes) {
    if (tagOf(n) === tag && attrsOf(n).xid === xid) return n;
    const inner = findNode(childrenOf(n), tag, xid);
    if (inner) return inner;
  }
  return undefined;
}

function eachNode(nodes, fn) {
  for (const n of nodes) {
    fn(n);
    eachNode(childrenOf(n), fn);
  }
}

// --- upgrade997To005010: the ASC X12 005010 997 from pyx12's 004010 map ---

/**
 * The 005010 syntax error code lists, by data element: standard codes only (the 999's "I" codes are not
 * 997 codes). 718 and 716 are the lists pyx12's 999.5010.xml gives IK502 (less I5, I6) and AK905.
 */
const CODES_005010_997 = {
  // AK304 Segment Syntax Error Code
  720: ['1', '2', '3', '4', '5', '6', '7', '8'],
  // AK403 Data Element Syntax Error Code (11 is not defined, though pyx12's 999 maps list it)
  723: ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '12', '13'],
  // AK502-AK506 Transaction Set Syntax Error Code
  718: [
    '1',
    '2',
    '3',
    '4',
    '5',
    '6',
    '7',
    '8',
    '9',
    '10',
    '11',
    '12',
    '13',
    '15',
    '16',
    '17',
    '18',
    '19',
    '23',
    '24',
    '25',
    '26',
    '27',
  ],
  // AK905-AK909 Functional Group Syntax Error Code
  716: [
    '1',
    '2',
    '3',
    '4',
    '5',
    '6',
    '10',
    '11',
    '12',
    '13',
    '14',
    '15',
    '16',
    '17',
    '18',
    '19',
    '23',
    '24',
    '25',
    '26',
  ],
};

/**
 * Edits pyx12's 004010 997 map into the ASC X12 005010 997: the elements 005010 adds (ST03, AK103,
 * AK203 and the third component of AK401's C030), all optional as in the standard; the AK2 and AK3
 * loops repeat without limit (>1); the syntax error code lists are 005010's (CODES_005010_997).
 */
function upgrade997To005010(doc) {
  const segment = (xid) => {
    const s = findNode(doc, 'segment', xid);
    if (!s) throw new Error(`upgrade997To005010: no segment ${xid}`);
    return s;
  };
  // An optional element appended to a segment or composite; its xid ends with its position.
  const append = (parent, xid, dataEle, name) => {
    const seq = xid.slice(-2);
    const last = childrenOf(parent)
      .filter((c) => ['element', 'composite'].includes(tagOf(c)))
      .pop();
    if (!last || Number(textOf(last, 'seq')) !== Number(seq) - 1)
      throw new Error(`upgrade997To005010: ${xid} does not follow the map's last element`);
    const fields = [xmlText('data_ele', dataEle), xmlText('name', name), xmlText('usage', 'S'), xmlText('seq', seq)];
    parent[tagOf(parent)].push({ element: fields, ':@': { xid } });
  };
  append(segment('ST'), 'ST03', '1705', 'Implementation Convention Reference');
  append(segment('AK1'), 'AK103', '480', 'Version / Release / Industry Identifier Code');
  append(segment('AK2'), 'AK203', '1705', 'Implementation Convention Reference');
  const c030 = childNodes(segment('AK4'), 'composite').find((c) => textOf(c, 'data_ele') === 'C030');
  if (!c030) throw new Error('upgrade997To005010: no C030 in AK4');
  append(c030, 'AK401-03', '1686', 'Repeating Data Element Position');

  for (const xid of ['AK2', 'AK3']) {
    const loop = findNode(doc, 'loop', xid);
    const repeat = loop && childNodes(loop, 'repeat')[0];
    if (!repeat) throw new Error(`upgrade997To005010: no repeat on loop ${xid}`);
    repeat.repeat = [{ '#text': '>1' }];
  }

  const stLoop = findNode(doc, 'loop', 'ST_LOOP');
  eachNode(childrenOf(stLoop), (n) => {
    const codes = tagOf(n) === 'element' ? CODES_005010_997[textOf(n, 'data_ele')] : undefined;
    if (!codes) return;
    const kept = n.element.filter((c) => tagOf(c) !== 'valid_codes');
    n.element = [...kept, { valid_codes: codes.map((c) => xmlText('code', c)) }];
  });
}

// --- Named fact corrections (a target's `fixes`), applied to the converted profile ---

/** Calls fn(element, segmentTag, position) for every simple element and component of the profile, wherever defined. */
function eachProfileElement(profile, fn) {
  const visitElements = (tag, elements) => {
    elements.forEach((e, i) => {
      const position = `${tag}${String(i + 1).padStart(2, '0')}`;
      if (e.composite) e.composite.forEach((c) => c.ref !== undefined && fn(c, tag, position));
      else if (e.ref !== undefined) fn(e, tag, position);
    });
  };
  for (const tag of Object.keys(profile.segments)) visitElements(tag, profile.segments[tag].elements);
  const visitStructure = (structure) => {
    for (const entry of structure) {
      if (entry.structure) visitStructure(entry.structure);
      else if (entry.elements) visitElements(entry.segment, entry.elements);
    }
  };
  visitStructure(profile.structure);
}

/**
 * 005010 data element 719 (Segment Position in Transaction Set: the 999's IK302 and CTX03) is N0 1/10;
 * dataele.xml serves 4010 and 5010 maps alike and gives it 004010's 1/6.
 */
function segmentPositionLength005010(profile) {
  let changed = 0;
  eachProfileElement(profile, (e) => {
    if (e.ref !== '719') return;
    if (e.type !== 'N0') throw new Error(`segmentPositionLength005010: data element 719 has type ${e.type}`);
    e.min = 1;
    e.max = 10;
    changed++;
  });
  if (changed === 0) throw new Error('segmentPositionLength005010: no data element 719 in the profile');
}

/**
 * 005010 data element 621 (Implementation Data Element Syntax Error Code, the 999's IK403) has no code
 * 11, though pyx12's 999 maps list it: the map's list less 11 (1-10, 12, 13, I6, I9, I10-I13).
 */
function implementationElementErrorCodesWithout11(profile) {
  let changed = 0;
  eachProfileElement(profile, (e, tag, position) => {
    if (e.ref !== '621') return;
    if (position !== 'IK403' || !e.codes || !e.codes.includes('11')) {
      throw new Error(`implementationElementErrorCodesWithout11: ${position} (621) does not list 11`);
    }
    e.codes = e.codes.filter((c) => c !== '11');
    changed++;
  });
  if (changed === 0) throw new Error('implementationElementErrorCodesWithout11: no IK403 (621) in the profile');
}

// --- dataele.xml: element number -> type, lengths ---

function readDataElements() {
  const out = new Map();
  const root = readXml(path.join(MAPS, 'dataele.xml')).find((n) => tagOf(n) === 'data_elements');
  for (const de of childNodes(root, 'data_ele')) {
    const a = attrsOf(de);
    const type = a.data_type === 'N' ? 'N0' : a.data_type;
    if (!TYPES.has(type)) throw new Error(`dataele.xml: element ${a.ele_num} has unknown type ${a.data_type}`);
    out.set(a.ele_num, { type, min: Number(a.min_len), max: Number(a.max_len) });
  }
  return out;
}

// --- conversion ---

function usageOf(node, where) {
  const u = textOf(node, 'usage');
  if (!(u in USAGE)) throw new Error(`${where}: unknown usage ${u}`);
  return USAGE[u];
}

function repeatOf(text) {
  if (text === undefined || text === '') return 1;
  if (text === '>1') return 'unbounded';
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new Error(`bad repeat ${text}`);
  return n;
}

function codesOf(node) {
  const vc = childNodes(node, 'valid_codes')[0];
  if (!vc || attrsOf(vc).external !== undefined) return undefined;
  const codes = [];
  for (const c of childNodes(vc, 'code')) {
    const t = childrenOf(c).find((x) => tagOf(x) === '#text');
    const v = t === undefined ? '' : String(t['#text']);
    if (v !== '' && !codes.includes(v)) codes.push(v);
  }
  return codes.length > 0 ? codes : undefined;
}

function simpleElement(node, dataElements, where, dropCodes, lengths) {
  const ref = textOf(node, 'data_ele');
  const de = { ...dataElements.get(ref), ...((lengths || {})[ref] || {}) };
  if (!dataElements.has(ref)) throw new Error(`${where}: data element ${ref} is not in dataele.xml`);
  const out = { ref, name: textOf(node, 'name'), usage: usageOf(node, where), type: de.type, min: de.min, max: de.max };
  const repeat = repeatOf(textOf(node, 'repeat'));
  if (repeat !== 1) out.repeat = repeat === 'unbounded' ? UNBOUNDED_REPEAT : repeat;
  const codes = dropCodes ? undefined : codesOf(node);
  if (codes) out.codes = codes;
  return out;
}

/** The elements of a pyx12 segment, position-aligned: a gap in seq becomes a not-used placeholder. */
function segmentElements(seg, dataElements, target) {
  const tag = attrsOf(seg).xid;
  const out = [];
  for (const c of childrenOf(seg)) {
    const t = tagOf(c);
    if (t !== 'element' && t !== 'composite') continue;
    const seq = Number(textOf(c, 'seq'));
    const id = `${tag}${String(seq).padStart(2, '0')}`;
    if (!Number.isInteger(seq) || seq <= out.length) throw new Error(`${target.map} ${id}: seq out of order`);
    while (out.length < seq - 1) out.push({ usage: 'N' });
    const drop = (target.dropCodes || []).includes(id);
    if (t === 'element') {
      out.push(simpleElement(c, dataElements, `${target.map} ${id}`, drop, target.lengths));
    } else {
      const comp = { ref: textOf(c, 'data_ele'), name: textOf(c, 'name'), usage: usageOf(c, id) };
      const repeat = repeatOf(textOf(c, 'repeat'));
      if (repeat !== 1) comp.repeat = repeat === 'unbounded' ? UNBOUNDED_REPEAT : repeat;
      const components = [];
      for (const e of childNodes(c, 'element')) {
        const cseq = Number(textOf(e, 'seq'));
        if (!Number.isInteger(cseq) || cseq <= components.length)
          throw new Error(`${target.map} ${id}: component seq out of order`);
        while (components.length < cseq - 1) components.push({ usage: 'N' });
        const el = simpleElement(e, dataElements, `${target.map} ${id}-${cseq}`, drop, target.lengths);
        delete el.repeat;
        components.push(el);
      }
      // pyx12 lists no components for a not-used composite; it stays a position that must be empty.
      if (components.length > 0) comp.composite = components;
      out.push(comp);
    }
  }
  if (tag === 'ST' && target.implementation && out[2]) {
    // ST03 names the guide; the profile answers to its implementation and every alias.
    out[2] = { ...out[2], codes: [target.implementation, ...(target.aliases || [])] };
  }
  return out;
}

function segmentRules(seg) {
  const rules = childNodes(seg, 'syntax').map((s) =>
    childrenOf(s)
      .map((x) => String(x['#text'] ?? ''))
      .join('')
      .trim(),
  );
  return rules.filter((r) => r !== '');
}

/** Converts the children of a pyx12 loop into structure entries, flattening wrapper loops. */
function convertChildren(node, ctx) {
  const out = [];
  for (const c of childrenOf(node)) {
    const t = tagOf(c);
    if (t === 'segment') {
      out.push(convertSegment(c, ctx));
    } else if (t === 'loop') {
      if (attrsOf(c).type === 'wrapper') {
        out.push(...convertChildren(c, ctx));
        continue;
      }
      const xid = attrsOf(c).xid;
      const structure = convertChildren(c, ctx);
      if (structure.length === 0) continue;
      const first = structure[0];
      if ('segment' in first) first.usage = 'M'; // a loop exists only when its first segment does
      out.push({
        loop: xid,
        name: textOf(c, 'name'),
        usage: usageOf(c, xid),
        max: repeatOf(textOf(c, 'repeat')),
        structure,
      });
    }
  }
  return out;
}

function convertSegment(seg, ctx) {
  const tag = attrsOf(seg).xid;
  const def = { name: textOf(seg, 'name'), elements: segmentElements(seg, ctx.dataElements, ctx.target) };
  const rules = segmentRules(seg);
  if (rules.length > 0) def.rules = rules;
  const entry = { segment: tag, name: def.name, usage: usageOf(seg, tag), max: repeatOf(textOf(seg, 'max_use')) };
  ctx.defs.push({ entry, def });
  return entry;
}

/** The element pyx12 uses to tell same-tag segments apart: HL03, else the first position (or its first component). */
function qualifierOf(tag, def) {
  if (tag === 'HL') {
    const e = def.elements[2];
    return e && e.codes ? { key: 'HL03', codes: e.codes } : undefined;
  }
  const first = def.elements[0];
  if (!first) return undefined;
  const codes = first.composite ? (first.composite[0] || {}).codes : first.codes;
  return codes ? { key: `${tag}01`, codes } : undefined;
}

/**
 * Adds `match` where a qualifier must tell positions apart: on segments whose tag repeats among
 * siblings, and on loop-starting segments whose tag is used at another position of the profile (NM1,
 * HL, SBR...). A loop start whose tag is used nowhere else (the 999's AK2) gets none, so a bad
 * qualifier there is reported as a bad code, not as a segment out of sequence.
 */
function addMatches(structure, defOf, isLoopStart, tagUses) {
  const tags = structure.map((e) => ('segment' in e ? e.segment : firstSegment(e)));
  structure.forEach((e, i) => {
    if ('segment' in e) {
      const repeated = tags.filter((t) => t === e.segment).length > 1;
      const ambiguousStart = isLoopStart && i === 0 && tagUses.get(e.segment) > 1;
      if (repeated || ambiguousStart) {
        const q = qualifierOf(e.segment, defOf.get(e));
        if (q) e.match = { [q.key]: [...q.codes] };
      }
    } else {
      addMatches(e.structure, defOf, true, tagUses);
    }
  });
}

/** How many positions of the whole profile use each tag. */
function countTags(structure, counts = new Map()) {
  for (const e of structure) {
    if ('segment' in e) counts.set(e.segment, (counts.get(e.segment) || 0) + 1);
    else countTags(e.structure, counts);
  }
  return counts;
}

function firstSegment(loop) {
  const f = loop.structure[0];
  return 'segment' in f ? f.segment : firstSegment(f);
}

function sameDef(a, b) {
  return JSON.stringify([a.elements, a.rules || []]) === JSON.stringify([b.elements, b.rules || []]);
}

/** Shared definitions go to the dictionary; a tag whose positions differ carries its elements inline everywhere. */
function placeDefinitions(defs) {
  const byTag = new Map();
  for (const d of defs) {
    if (!byTag.has(d.entry.segment)) byTag.set(d.entry.segment, []);
    byTag.get(d.entry.segment).push(d);
  }
  const segments = {};
  for (const tag of [...byTag.keys()].sort()) {
    const list = byTag.get(tag);
    if (list.every((d) => sameDef(d.def, list[0].def))) {
      segments[tag] = list[0].def;
      for (const d of list) if (d.entry.name === list[0].def.name) delete d.entry.name;
    } else {
      for (const d of list) {
        d.entry.elements = d.def.elements;
        if (d.def.rules) d.entry.rules = d.def.rules;
      }
    }
  }
  return segments;
}

/** Key order in the YAML output (stable, readable). */
function ordered(entry) {
  const order = ['segment', 'loop', 'name', 'usage', 'max', 'match', 'elements', 'rules', 'structure'];
  const out = {};
  for (const k of order) if (entry[k] !== undefined) out[k] = k === 'structure' ? entry[k].map(ordered) : entry[k];
  return out;
}

function buildProfile(target, dataElements) {
  const doc = readXml(path.join(MAPS, target.map));
  if (target.transform) target.transform(doc);
  const stLoop = findNode(doc, 'loop', 'ST_LOOP');
  if (!stLoop) throw new Error(`${target.map}: no ST_LOOP`);
  const ctx = { dataElements, target, defs: [] };
  const structure = convertChildren(stLoop, ctx);
  const defOf = new Map(ctx.defs.map((d) => [d.entry, d.def]));
  addMatches(structure, defOf, false, countTags(structure));
  const segments = placeDefinitions(ctx.defs);
  const profile = {
    standard: 'x12',
    version: target.version,
  };
  if (target.aliases) profile.aliases = target.aliases;
  profile.type = target.type;
  if (target.implementation) profile.implementation = target.implementation;
  profile.name = target.name;
  profile.source =
    `Generated by scripts/pyx12-to-profile.js from pyx12's map ${target.map} and dataele.xml ` +
    `(pyx12, Copyright John Holland, BSD-3-Clause, see ${LICENCE})${upgraded(target)}. Do not edit; regenerate.`;
  profile.segments = segments;
  profile.structure = structure.map(ordered);
  for (const fix of target.fixes || []) fix(profile);
  return profile;
}

/**
 * Names the transform and fixes, if any, in the header comment and source: ', brought to 005010 by its
 * upgrade997To005010', ', corrected by its segmentPositionLength005010 and ...'.
 */
function upgraded(target) {
  const fixes = (target.fixes || []).map((f) => f.name);
  const corrected =
    fixes.length === 0
      ? ''
      : `, corrected by its ${fixes.length > 1 ? `${fixes.slice(0, -1).join(', ')} and ${fixes[fixes.length - 1]}` : fixes[0]}`;
  return (target.transform ? `, brought to ${target.version} by its ${target.transform.name}` : '') + corrected;
}

function toYaml(profile, target) {
  const doc = new YAML.Document(profile, { aliasDuplicateObjects: false });
  doc.commentBefore =
    ` Generated from pyx12's ${target.map} by scripts/pyx12-to-profile.js${upgraded(target)}; do not edit by hand.\n` +
    ` pyx12 maps: Copyright John Holland, BSD-3-Clause (${LICENCE}).`;
  YAML.visit(doc, {
    Pair(_, pair) {
      const key = YAML.isScalar(pair.key) ? pair.key.value : pair.key;
      if ((key === 'elements' || key === 'composite') && YAML.isSeq(pair.value)) {
        for (const item of pair.value.items) {
          if (YAML.isMap(item) && !item.has('composite')) item.flow = true;
        }
      }
      if (
        (key === 'match' || key === 'aliases' || key === 'rules' || key === 'codes') &&
        YAML.isCollection(pair.value)
      ) {
        pair.value.flow = true;
      }
    },
  });
  return doc.toString({ lineWidth: 0, singleQuote: true });
}

function main(argv) {
  let outDir = path.resolve(__dirname, '../profiles');
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--out' && argv[i + 1]) {
      outDir = path.resolve(argv[++i]);
    } else {
      console.error('usage: node scripts/pyx12-to-profile.js [--out DIR]');
      return 2;
    }
  }
  const dataElements = readDataElements();
  for (const target of TARGETS) {
    const file = path.join(outDir, target.out);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, toYaml(buildProfile(target, dataElements), target));
    console.log(`wrote ${path.relative(process.cwd(), file)}`);
  }
  return 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));

module.exports = { buildProfile, TARGETS };
