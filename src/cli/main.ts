import { Command, CommanderError, Option } from 'commander';
import { readFileSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { packageRoot } from '../config/paths';
import { parseCommand } from './parse';
import { validateCommand } from './validate';
import { ackCommand } from './ack';
import type { TranslateOptions } from './translate';
import type { ReportOptions } from './report';
import { GatewayError } from '../errors';
import type { Io } from './io';
import { stopQuietlyOnBrokenPipe } from './broken-pipe';

const stdio: Io = {
  out: (s) => process.stdout.write(s),
  bytes: (b) => process.stdout.write(b),
  err: (s) => process.stderr.write(s),
  drain: () =>
    process.stdout.writableNeedDrain ? once(process.stdout, 'drain').then(() => undefined) : Promise.resolve(),
};

/**
 * The commands that need the store, transports or maps are loaded when run: parse, validate and ack
 * then start without them (some 30 MB less RSS), which matters when they stream a large file.
 */
const gateway = () => import('./gateway');

function version(): string {
  try {
    return JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')).version;
  } catch {
    return '0.0.0';
  }
}

/** Runs the CLI and resolves to the exit code: 0 ok, 1 findings or failure, 2 usage or unreadable input. */
export async function main(argv: string[], io: Io = stdio): Promise<number> {
  let code = 0;
  // The gateway itself (start, worker) keeps running when whoever reads its log goes away.
  if (io === stdio && argv[0] !== 'start' && argv[0] !== 'worker') stopQuietlyOnBrokenPipe(process.stdout);
  const program = new Command('edi-gateway')
    .description('B2B/EDI trading-partner gateway: X12 and EDIFACT over AS2, SFTP and FTP')
    .version(version())
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .showHelpAfterError('(run edi-gateway --help for the commands)');

  program
    .command('start')
    .description(
      'run the gateway: inbound transports, admin API and workers, until SIGTERM (then it drains and exits 0)',
    )
    .option('--config <file>', 'gateway.yaml to use')
    .action(async (o: { config?: string }) => {
      code = await (await gateway()).startCommand(o);
    });

  program
    .command('worker', { hidden: true })
    .description('a worker process of `start` (gateway.yaml processes): runs jobs from the store until SIGTERM')
    .option('--config <file>', 'gateway.yaml to use')
    .action(async (o: { config?: string }) => {
      code = await (await gateway()).workerCommand(o);
    });

  program
    .command('send')
    .description("send FILE (canonical JSON or X12/EDIFACT) to a partner's endpoint now; 0 delivered, 1 not")
    .requiredOption('--partner <id>', 'the partner')
    .requiredOption('--endpoint <name>', "one of the partner's endpoints")
    .argument('<file>', 'canonical JSON (with "document": "PurchaseOrder"…) or an X12/EDIFACT interchange')
    .addOption(new Option('--as <standard>', 'write canonical JSON as').choices(['x12', 'edifact']))
    .option('--config <file>', 'gateway.yaml to use')
    .action(async (file: string, o: { partner: string; endpoint: string; as?: 'x12' | 'edifact'; config?: string }) => {
      code = await (await gateway()).sendCommand(file, o, io);
    });

  program
    .command('replay')
    .description(
      'send a dead-lettered delivery again (ID: the delivery or its outbound message; ' +
        'or the inbound message or transaction set, as the report and the console show them: all its dead letters)',
    )
    .argument('<id>', 'delivery, message or transaction set id')
    .option('--config <file>', 'gateway.yaml to use')
    .action(async (id: string, o: { config?: string }) => {
      code = await (await gateway()).replayCommand(id, o, io);
    });

  program
    .command('show')
    .description("a message's lineage: interchanges, transaction sets, acks, deliveries with their attempts, events")
    .argument('[id]', 'message id')
    .option('--reference <ref>', 'the messages whose transaction sets carry this reference (a PO number)')
    .option('--config <file>', 'gateway.yaml to use')
    .action(async (id: string | undefined, o: { reference?: string; config?: string }) => {
      if (id === undefined && o.reference === undefined) {
        io.err('edi-gateway: show needs a message id or --reference REF\n');
        code = 2;
        return;
      }
      code = await (await import('./show')).showCommand(id, o, io);
    });

  program
    .command('dead-letters')
    .description('list dead-lettered deliveries, the latest first; --replay queues them all again')
    .option('--partner <id>', "only this partner's")
    .option('--replay', 'queue each again (a running gateway sends it)')
    .option('--config <file>', 'gateway.yaml to use')
    .action(async (o: { partner?: string; replay?: boolean; config?: string }) => {
      code = await (await import('./show')).deadLettersCommand(o, io);
    });

  program
    .command('simulate')
    .description(
      'what the gateway would do with FILE from a partner (identify, acks, route, map), storing and sending nothing',
    )
    .requiredOption('--partner <id>', 'the partner it comes from')
    .argument('<file>', 'X12 or EDIFACT file')
    .option('--json', 'machine-readable output')
    .option('--config <file>', 'gateway.yaml to use')
    .action(async (file: string, o: { partner: string; json?: boolean; config?: string }) => {
      code = await (await gateway()).simulateCommand(file, o, io);
    });

  program
    .command('parse')
    .description('print the canonical model of every interchange in FILE as JSON')
    .argument('<file>', 'X12 or EDIFACT file')
    .option('--json', 'JSON output (the default and only format)')
    .option('--profiles <dir>', 'extra profiles folder (added to the shipped ones)')
    .option('--envelope', 'envelopes only: no segments, no profile checks (fast)')
    .action(async (file: string, o: { profiles?: string; envelope?: boolean }) => {
      code = await parseCommand(file, o, io);
    });

  program
    .command('validate')
    .description('check envelopes and implementation-guide profiles; one located line per finding')
    .argument('<file>', 'X12 or EDIFACT file')
    .option('--profiles <dir>', 'extra profiles folder (added to the shipped ones)')
    .action(async (file: string, o: { profiles?: string }) => {
      code = await validateCommand(file, o, io);
    });

  program
    .command('ack')
    .description('print the acknowledgement a partner would get for FILE')
    .argument('<file>', 'X12 or EDIFACT file')
    .addOption(new Option('--kind <kind>', 'acknowledgement to build').choices(['997', '999', 'TA1', 'CONTRL']))
    .option('--control-number <n>', 'our interchange control number for the ack', '1')
    .option('--profiles <dir>', 'extra profiles folder (added to the shipped ones)')
    .action(
      async (
        file: string,
        o: { kind?: '997' | '999' | 'TA1' | 'CONTRL'; controlNumber: string; profiles?: string },
      ) => {
        code = await ackCommand(file, o, io);
      },
    );

  program
    .command('translate')
    .description(
      'every business document in FILE (X12 850/810/856/855, EDIFACT ORDERS/INVOIC/DESADV/ORDRSP) through its canonical form to X12, EDIFACT or JSON',
    )
    .argument('<file>', 'X12 or EDIFACT file')
    .addOption(new Option('--to <target>', 'what to write').choices(['x12', 'edifact', 'json']).makeOptionMandatory())
    .option('--sender <q:id>', "interchange sender (default: the input interchange's own sender)")
    .option('--receiver <q:id>', "interchange receiver (default: the input interchange's own receiver)")
    .option(
      '--partner <id>',
      'address the output to this partner (its identifiers and outbound settings) from gateway.yaml identity',
    )
    .option('--config <file>', 'gateway.yaml to use (with --partner)')
    .option('--control-number <n>', 'interchange control number of the first output interchange', '1')
    .option('--profiles <dir>', 'extra profiles folder (added to the shipped ones)')
    .action(async (file: string, o: TranslateOptions) => {
      code = await (await import('./translate')).translateCommand(file, o, io);
    });

  const partners = program.command('partners').description('trading partner files');
  partners
    .command('check')
    .description(
      'validate gateway.yaml, every partner file (maps, certificates, keys) and the profiles; one located line per problem',
    )
    .option('--config <file>', 'gateway.yaml to use')
    .action(async (o: { config?: string }) => {
      code = (await import('./partners')).partnersCheckCommand(o, io);
    });
  partners
    .command('hash-password')
    .description(
      "print the hash of a password read from stdin (typed, or piped), for a partner file's inbound.sftp.password",
    )
    .action(async () => {
      code = await (await import('./hash-password')).hashPasswordCommand(io);
    });

  program
    .command('migrate')
    .description('apply pending migrations to the configured database (DATABASE_URL overrides gateway.yaml)')
    .option('--config <file>', 'gateway.yaml to use')
    .action(async (o: { config?: string }) => {
      code = await (await import('./migrate')).migrateCommand(o, io);
    });

  program
    .command('report')
    .description('the audit report of transaction sets, on stdout (dates are whole UTC days, --to inclusive)')
    .option('--from <date>', 'first day, YYYY-MM-DD')
    .option('--to <date>', 'last day, YYYY-MM-DD (included)')
    .option('--partner <id>', 'only this partner')
    .addOption(new Option('--format <format>', 'output format').choices(['csv', 'json', 'html']).default('csv'))
    .option(
      '--certificates',
      "instead: the AS2 certificates, ours and the partners', that expire within 30 days or have expired",
    )
    .option('--config <file>', 'gateway.yaml to use')
    .action(async (o: ReportOptions) => {
      code = await (await import('./report')).reportCommand(o, io);
    });

  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      return e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help'
        ? 0
        : 2;
    }
    if (e instanceof GatewayError) {
      io.err(`edi-gateway: ${e.describe()}\n`);
      return e.kind === 'usage' || e.code === 'EDIGW_EDI_UNREADABLE' ? 2 : 1;
    }
    throw e;
  }
  return code;
}
