/** A deployment folder, a hand-built PipelineContext and EDI builders for the pipeline tests. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { type GatewayConfig, loadGateway } from '../../src/config/gateway';
import { partnerFields } from '../../src/config/partner';
import type { LoadedPartner } from '../../src/config/partners';
import { builtInProfiles } from '../../src/config/profiles';
import type { PipelineContext, PipelineView } from '../../src/pipeline/context';
import { silentLogger } from '../../src/pipeline/logger';
import { Maps } from '../../src/pipeline/maps';
import { VerdictCaches } from '../../src/canonical/losses';
import { PartnerDirectory } from '../../src/pipeline/partner-directory';
import { Store } from '../../src/store/store';
import { type DatabaseKind, freshDatabase, type TestDatabase, testWith } from '../helpers/databases';

export const GATEWAY_YAML = [
  'identity:',
  '  x12: [{ qualifier: ZZ, id: OURCOMPANY }]',
  "  edifact: [{ qualifier: '14', id: '5400000000001' }]",
  'delivery: { attempts: 3, backoff: 1s, maxBackoff: 4s }',
].join('\n');

export interface Deployment {
  dir: string;
  /** Writes a file under the deployment folder (folders made as needed); returns its full path. */
  file(rel: string, text: string): string;
  config(): GatewayConfig;
  remove(): void;
}

/** A gateway.yaml folder with the given files; gateway.yaml defaults to GATEWAY_YAML. */
export function deployment(files: Record<string, string> = {}): Deployment {
  const dir = mkdtempSync(join(tmpdir(), 'edigw-pipeline-'));
  const file = (rel: string, text: string) => {
    const full = join(dir, rel);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, text);
    return full;
  };
  mkdirSync(join(dir, 'partners'), { recursive: true });
  for (const [rel, text] of Object.entries({ 'gateway.yaml': GATEWAY_YAML, ...files })) file(rel, text);
  return {
    dir,
    file,
    config() {
      // No environment: a DATABASE_URL of the machine running the tests must not leak in.
      const g = loadGateway(join(dir, 'gateway.yaml'), {});
      if (!g.ok) throw new Error(`gateway.yaml: ${JSON.stringify(g.issues)}`);
      return g.config;
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A clock the test moves by hand. */
export function manualClock(start = '2026-05-01T10:00:00.000Z') {
  let now = new Date(start);
  return {
    clock: () => now,
    advance(ms: number) {
      now = new Date(now.getTime() + ms);
    },
  };
}

/** The part of the context that needs no database, as `simulate` and the pure steps get it. */
export function pipelineView(
  d: Deployment,
  clock: () => Date = () => new Date('2026-05-01T10:00:00.000Z'),
): PipelineView {
  const config = d.config();
  const partners = new PartnerDirectory(config, silentLogger);
  const change = partners.reload(true);
  if (change?.issues.length) throw new Error(`partner files: ${JSON.stringify(change.issues)}`);
  return {
    config,
    partners,
    profiles: builtInProfiles().set,
    maps: new Maps(config.partners),
    // As the gateway has it, so that a route's loss check runs with its verdicts kept.
    lossVerdicts: new VerdictCaches(),
    logger: silentLogger,
    clock,
  };
}

export interface Harness {
  ctx: PipelineContext;
  store: Store;
  db: TestDatabase;
  close(): Promise<void>;
}

/** A full context on a fresh, migrated database of the given kind. */
export async function pipelineContext(d: Deployment, kind: 'sqlite' | 'mariadb', clock: () => Date): Promise<Harness> {
  const db = await freshDatabase(kind);
  const store = await Store.open(db.url, { payloadDir: join(db.dir, 'payloads'), clock });
  await store.migrate();
  const ctx: PipelineContext = { ...pipelineView(d, clock), store };
  return {
    ctx,
    store,
    db,
    close: async () => {
      await store.close();
      await db.drop();
    },
  };
}

/** A harness with the deployment folder it was opened on. */
export interface SuiteHarness extends Harness {
  d: Deployment;
}

/**
 * The frame most pipeline test blocks share: a deployment of `files` and a harness on `kind`, opened
 * before the block's tests and closed, the folder removed, after them. Returns the block's `it`, which
 * hands each test the harness (testWith).
 */
export function pipelineSuite(
  kind: DatabaseKind,
  files: Record<string, string>,
  clock: () => Date,
): (name: string, fn: (h: SuiteHarness) => unknown, timeout?: number) => void {
  let d: Deployment | undefined;
  let h: SuiteHarness | undefined;
  beforeAll(async () => {
    d = deployment(files);
    h = { ...(await pipelineContext(d, kind, clock)), d };
  });
  afterAll(async () => {
    await h?.close();
    d?.remove();
  });
  return testWith(() => h);
}

/** A partner as the directory holds it, from the fields of a partner file. */
export function partner(fields: Record<string, unknown>): LoadedPartner {
  return { ...partnerFields.parse(fields), file: `${String(fields.id)}.yaml` };
}

export interface X12Options {
  sender: string;
  receiver?: string;
  receiverQualifier?: string;
  control: number;
  test?: boolean;
  /** GS08; default 004010. */
  version?: string;
  /** GS06; default the interchange control number. */
  group?: number;
  /** Each transaction's body segments (between ST and SE); default one valid 850 per PO number in `pos`. */
  bodies?: string[][];
  pos?: string[];
}

/** The body of a valid 850 for the built-in 004010 profile. */
export const order850 = (po: string, lines = 1) => [
  `BEG*00*SA*${po}**20240102`,
  ...Array.from({ length: lines }, (_, i) => `PO1*${i + 1}*${10 + i}*EA*9.5**VP*SKU-${i + 1}`),
  `CTT*${lines}`,
];

/** An X12 interchange of 850s with correct counts. */
export function x12Interchange(o: X12Options): string {
  const ctrl = String(o.control).padStart(9, '0');
  const receiver = o.receiver ?? 'OURCOMPANY';
  const bodies = o.bodies ?? (o.pos ?? [`PO-${o.control}`]).map((po) => order850(po));
  const out = [
    `ISA*00*          *00*          ` +
      `*ZZ*${o.sender.padEnd(15)}*${o.receiverQualifier ?? 'ZZ'}*${receiver.padEnd(15)}*240102*1230*U*00401*${ctrl}*0*${o.test ? 'T' : 'P'}*>`,
    `GS*PO*${o.sender}*${receiver}*20240102*1230*${o.group ?? o.control}*X*${o.version ?? '004010'}`,
  ];
  bodies.forEach((body, i) => {
    const st = String(i + 1).padStart(4, '0');
    out.push(`ST*850*${st}`, ...body, `SE*${body.length + 2}*${st}`);
  });
  out.push(`GE*${bodies.length}*${o.group ?? o.control}`, `IEA*1*${ctrl}`);
  return out.map((s) => `${s}~\n`).join('');
}

/** An EDIFACT interchange with one ORDERS D96A message. */
export function edifactInterchange(o: { sender: string; receiver?: string; control: number; po?: string }): string {
  const body = [
    `BGM+220+${o.po ?? `PO-${o.control}`}+9`,
    'DTM+137:20240102:102',
    'LIN+1++SKU-1:SA',
    'QTY+21:10',
    'UNS+S',
  ];
  return [
    "UNA:+.? '",
    `UNB+UNOC:3+${o.sender}:14+${o.receiver ?? '5400000000001'}:14+240102:1230+${o.control}'`,
    "UNH+1+ORDERS:D:96A:UN'",
    ...body.map((s) => `${s}'`),
    `UNT+${body.length + 2}+1'`,
    `UNZ+1+${o.control}'`,
  ].join('');
}
