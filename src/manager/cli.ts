/**
 * The CLI commands that the `Command` action runs (`manager show commands`, `core show channels`, ...).
 * Modules register their own; matching is word by word as Asterisk's find_cli does, the longest
 * registered command that prefixes the input wins and the remaining words are its arguments.
 */
export interface CliResult {
  /** Output lines (no line ends). */
  lines: string[];
  /** Asterisk answers Response: Error when the handler returns CLI_SHOWUSAGE / CLI_FAILURE. */
  failed?: boolean;
}

export interface CliCommand {
  /** Fixed words, e.g. ['manager', 'show', 'command']. */
  words: string[];
  /** One-line summary for `core show help`. */
  summary: string;
  /** Usage text shown on bad arguments. */
  usage: string;
  /** Most argument words accepted after the fixed words (default: any). */
  maxArgs?: number;
  handler: (args: string[]) => CliResult | Promise<CliResult>;
}

export class CliRegistry {
  private readonly commands: CliCommand[] = [];

  register(cmd: CliCommand): void {
    this.commands.push(cmd);
    // Longest first so that 'core show channel' and 'core show channels' resolve correctly.
    this.commands.sort((a, b) => b.words.length - a.words.length);
  }

  list(): readonly CliCommand[] {
    return [...this.commands].sort((a, b) => a.words.join(' ').localeCompare(b.words.join(' ')));
  }

  /** The usage text of a registered command, as lines. */
  usageOf(words: string[]): string[] {
    const key = words.join(' ');
    const cmd = this.commands.find((c) => c.words.join(' ') === key);
    return cmd ? cmd.usage.split('\n') : [];
  }

  /**
   * The words Asterisk suggests after 'core show help' for an unknown command (find_best): words are
   * added while some command still matches them, the first word always, plus the first that fails.
   */
  findBest(line: string): string {
    const words = splitWords(line);
    const out: string[] = [];
    for (let x = 0; x < words.length; x++) {
      out.push(words[x]);
      if (x === 0) continue;
      const prefix = out.map((w) => w.toLowerCase());
      const ok = this.commands.some((c) => {
        if (c.words.length < prefix.length) return false;
        for (let i = 0; i < prefix.length - 1; i++) if (c.words[i].toLowerCase() !== prefix[i]) return false;
        const last = prefix.length - 1;
        return c.words[last].toLowerCase() === prefix[last] || c.words.length === prefix.length;
      });
      if (!ok) break;
    }
    return out.join(' ');
  }

  /** Finds the command for an input line; undefined when none matches. */
  resolve(line: string): { cmd: CliCommand; args: string[] } | undefined {
    const words = splitWords(line);
    for (const cmd of this.commands) {
      if (cmd.words.length > words.length) continue;
      let ok = true;
      for (let i = 0; i < cmd.words.length; i++) {
        if (cmd.words[i].toLowerCase() !== words[i].toLowerCase()) {
          ok = false;
          break;
        }
      }
      if (!ok) continue;
      const args = words.slice(cmd.words.length);
      if (cmd.maxArgs !== undefined && args.length > cmd.maxArgs) continue;
      return { cmd, args };
    }
    return undefined;
  }
}

/** Splits a CLI line into words; double quotes group words as Asterisk's parse_args does. */
export function splitWords(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  let has = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '"') {
      quoted = !quoted;
      has = true;
    } else if (!quoted && (c === ' ' || c === '\t')) {
      if (has) out.push(cur);
      cur = '';
      has = false;
    } else {
      cur += c;
      has = true;
    }
  }
  if (has) out.push(cur);
  return out;
}
