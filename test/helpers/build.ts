/** Small builders for hand-made interchanges in tests. */

export function isa(
  opts: {
    el?: string;
    comp?: string;
    rep?: string;
    term?: string;
    version?: string;
    control?: string;
    sender?: string;
    receiver?: string;
    test?: boolean;
  } = {},
): string {
  const el = opts.el ?? '*';
  const parts = [
    'ISA',
    '00',
    ' '.repeat(10),
    '00',
    ' '.repeat(10),
    'ZZ',
    (opts.sender ?? 'SENDER').padEnd(15),
    'ZZ',
    (opts.receiver ?? 'RECEIVER').padEnd(15),
    '240102',
    '1230',
    opts.rep ?? 'U',
    opts.version ?? '00401',
    opts.control ?? '000000905',
    '0',
    opts.test ? 'T' : 'P',
    opts.comp ?? ':',
  ];
  return parts.join(el) + (opts.term ?? '~');
}

/** An X12 interchange of 850s with correct counts, in the given delimiters. */
export function x12(
  opts: {
    el?: string;
    comp?: string;
    rep?: string;
    term?: string;
    version?: string;
    control?: string;
    nl?: string;
    transactions?: string[][];
  } = {},
): string {
  const el = opts.el ?? '*';
  const term = opts.term ?? '~';
  const nl = opts.nl ?? '';
  const seg = (...e: string[]) => e.join(el) + term + nl;
  const txs = opts.transactions ?? [
    ['BEG*00*SA*PO1**20240102'.split('*').join(el), 'PO1*1*10*EA*9.5**VP*ABC'.split('*').join(el)],
  ];
  let out =
    isa(opts) +
    nl +
    seg('GS', 'PO', 'SENDER', 'RECEIVER', '20240102', '1230', '1', 'X', opts.version === '00501' ? '005010' : '004010');
  txs.forEach((body, i) => {
    const ctrl = String(i + 1).padStart(4, '0');
    out += seg('ST', '850', ctrl);
    for (const b of body) out += b + term + nl;
    out += seg('SE', String(body.length + 2), ctrl);
  });
  out += seg('GE', String(txs.length), '1');
  out += seg('IEA', '1', opts.control ?? '000000905');
  return out;
}
