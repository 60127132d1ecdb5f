/** Exit codes of the amikit command, and the error that carries one. */
export const EXIT = {
  ok: 0,
  /** The server answered `Response: Error`; or `serve` could not start (bad configuration). */
  actionError: 1,
  /** Bad command line (unknown option, missing argument, malformed Key=Value). */
  usage: 2,
  /** Cannot connect, login refused, timeout, connection lost. */
  connection: 3,
} as const;

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.usage,
  ) {
    super(message);
    this.name = 'CliError';
  }
}
