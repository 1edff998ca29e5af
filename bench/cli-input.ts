/**
 * A large X12 file for the CLI rows and the CLI memory test: one interchange, one group, 850 purchase
 * orders of about `setBytes` each (PO1 lines), written in batches so the generator itself stays small.
 * Valid against the shipped 004010 850 profile, so `validate` prints only its summary.
 */
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';

const pad = (n: number, w: number) => String(n).padStart(w, '0');

export interface LargeX12 {
  bytes: number;
  transactions: number;
}

export function writeLargeX12(path: string, totalBytes: number, setBytes = 1 << 20): LargeX12 {
  const fd = openSync(path, 'w');
  let bytes = 0;
  const put = (s: string) => {
    bytes += writeSync(fd, s);
  };
  try {
    put('ISA*00*          *00*          *ZZ*ACME           *ZZ*OURCOMPANY     *240102*1230*U*00401*000000001*0*P*>~\n');
    put('GS*PO*ACME*OURCOMPANY*20240102*1230*1*X*004010~\n');
    const body: string[] = [];
    let bodyBytes = 0;
    for (let l = 1; bodyBytes < setBytes - 200; l++) {
      const line = `PO1*${l}*${(l % 500) + 1}*EA*${l % 1000}.${pad(l % 100, 2)}**VP*SKU${pad(l % 999999, 6)}~\n`;
      body.push(line);
      bodyBytes += line.length;
    }
    const lines = body.join('');
    let n = 0;
    while (bytes + setBytes < totalBytes || n === 0) {
      n++;
      const ctrl = pad(n, 4);
      put(`ST*850*${ctrl}~\nBEG*00*SA*PO${pad(n, 9)}**20240102~\n`);
      put(lines);
      put(`CTT*${body.length}~\nSE*${body.length + 4}*${ctrl}~\n`);
    }
    put(`GE*${n}*1~\nIEA*1*000000001~\n`);
    return { bytes, transactions: n };
  } finally {
    closeSync(fd);
  }
}

/** The file the cli rows read: EDIGW_BENCH_CLI_MB MiB (default 1024, --quick 100) of 1 MiB sets, made once in dir. */
export function cliInput(
  dir: string,
  quick: boolean,
): { path: string; bytes: number; transactions: number; label: string } {
  const mb = cliMb(quick);
  const path = join(dir, `cli-${mb}mb-v1.edi`);
  const meta = `${path}.json`;
  let made: LargeX12;
  if (existsSync(path) && existsSync(meta)) made = JSON.parse(readFileSync(meta, 'utf8')) as LargeX12;
  else {
    mkdirSync(dir, { recursive: true });
    made = writeLargeX12(`${path}.tmp`, mb << 20);
    renameSync(`${path}.tmp`, path);
    writeFileSync(meta, JSON.stringify(made));
  }
  return { path, ...made, label: cliLabel(quick) };
}

function cliMb(quick: boolean): number {
  return Number(process.env.EDIGW_BENCH_CLI_MB ?? (quick ? 100 : 1024));
}

export function cliLabel(quick: boolean): string {
  const mb = cliMb(quick);
  return mb >= 1000 ? `${(mb / 1024).toFixed(mb % 1024 ? 1 : 0)}GB` : `${mb}MB`;
}
