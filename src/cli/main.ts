#!/usr/bin/env node
/** Entry point of the `amikit` command (dist/cli/main.js). */
import { main } from './program.js';

main(process.argv).then(
  (code) => {
    process.exitCode = code;
    // Leave once output is flushed, even if a stray handle (stdin) is still open.
    setTimeout(() => process.exit(code), 200).unref();
  },
  (e: unknown) => {
    process.stderr.write(`amikit: ${(e as Error)?.message ?? String(e)}\n`);
    process.exit(1);
  },
);
