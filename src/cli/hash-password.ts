import type { Io } from './io';
import { GatewayError } from '../errors';
import { hashPassword } from '../password-hash';

/** Ctrl-D, which a terminal in raw mode passes on as a character. */
const EOT = String.fromCharCode(4);

/**
 * The first line of `input`: the password, typed (echo off on a terminal) or piped. A password never
 * goes on the command line, where `ps` and the shell's history would show it.
 */
async function readPassword(input: NodeJS.ReadStream, io: Io): Promise<string> {
  const tty = input.isTTY === true;
  if (tty) {
    io.err('Password: ');
    input.setRawMode(true);
  }
  input.setEncoding('utf8');
  let text = '';
  try {
    for await (const chunk of input as AsyncIterable<string>) {
      text += chunk;
      // Ctrl-C and Ctrl-D in raw mode arrive as characters.
      if (tty && text.includes(String.fromCharCode(3)))
        throw new GatewayError('EDIGW_USAGE', 'hash-password', { cause: new Error('interrupted') });
      const chars = [...text];
      const end = chars.findIndex((c) => c === '\n' || (tty && (c === '\r' || c === EOT)));
      if (end >= 0) {
        text = chars.slice(0, end).join('');
        break;
      }
    }
  } finally {
    if (tty) {
      input.setRawMode(false);
      io.err('\n');
    }
    input.pause();
  }
  // A piped line may end in CRLF.
  return text.replace(/\r?\n?$/, '');
}

/**
 * `partners hash-password`: prints the `$scrypt$…` hash of the password read from stdin, for a
 * partner file's `inbound.sftp.password`. Exit 0, or 2 when the password is empty.
 */
export async function hashPasswordCommand(io: Io, input: NodeJS.ReadStream = process.stdin): Promise<number> {
  const password = await readPassword(input, io);
  if (password.length === 0)
    throw new GatewayError('EDIGW_USAGE', 'hash-password', {
      cause: new Error('the password is empty: type it, or pipe it in on stdin'),
    });
  io.out(`${await hashPassword(password)}\n`);
  return 0;
}
