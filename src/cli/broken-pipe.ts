/**
 * A reader that stops early (`edi-gateway parse big.x12 | head`) closes our stdout. The command then
 * stops where it is, quietly, with the status of a process ended by SIGPIPE (141, as git and the
 * coreutils end), instead of printing Node's stack trace for an unhandled EPIPE.
 */
export function stopQuietlyOnBrokenPipe(
  stream: NodeJS.WritableStream,
  exit: (code: number) => void = (code) => process.exit(code),
): void {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') exit(141);
    else throw err;
  });
}
