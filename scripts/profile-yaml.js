'use strict';
// What the profile generators (scripts/eancom-subset.js, scripts/x12-005010.js) share: the YAML
// layout of a generated profile, so both read like the hand-written ones, and the `--out DIR` command line.
const fs = require('node:fs');
const path = require('node:path');
const YAML = require('yaml');

/**
 * A profile as YAML under a header comment: element lists and plain structure entries on one line
 * each, and the keys in `flowKeys` (short lists such as codes) inline.
 */
function profileYaml(profile, header, flowKeys) {
  const doc = new YAML.Document(profile, { aliasDuplicateObjects: false });
  doc.commentBefore = header;
  YAML.visit(doc, {
    Pair(_, pair) {
      const key = YAML.isScalar(pair.key) ? pair.key.value : pair.key;
      if ((key === 'elements' || key === 'composite') && YAML.isSeq(pair.value)) {
        for (const item of pair.value.items) if (YAML.isMap(item) && !item.has('composite')) item.flow = true;
      }
      if (flowKeys.includes(key) && YAML.isCollection(pair.value)) pair.value.flow = true;
      if (key === 'structure' && YAML.isSeq(pair.value)) {
        for (const item of pair.value.items)
          if (YAML.isMap(item) && item.has('segment') && !item.has('elements')) item.flow = true;
      }
    },
  });
  return doc.toString({ lineWidth: 0, singleQuote: true });
}

/**
 * A generator's command line: `[--out DIR]` (default `defaultDir`); writes each of `outputs()`
 * ({ file relative to the folder, text }) and returns the exit code.
 */
function writeProfiles(argv, script, defaultDir, outputs) {
  let outDir = defaultDir;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--out' && argv[i + 1]) outDir = path.resolve(argv[++i]);
    else {
      console.error(`usage: node scripts/${script} [--out DIR]`);
      return 2;
    }
  }
  for (const { file: rel, text } of outputs()) {
    const file = path.join(outDir, rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
    console.log(`wrote ${path.relative(process.cwd(), file)}`);
  }
  return 0;
}

module.exports = { profileYaml, writeProfiles };
