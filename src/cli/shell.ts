/**
 * The interactive AMI shell: one-line actions (`QueueStatus Queue=sales`), multi-line entry (`Action: X`,
 * then `Key: Value` lines, a blank line sends), Tab completion of action and parameter names and of
 * the values the server knows, `help <Action>`, coloured output, live events with a filter, persistent
 * history. Streams are injected, so tests drive it with PassThrough streams.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import * as readline from 'node:readline';
import {
  AmiError,
  type AmiClient,
  type AmiEvent,
  type AnyParams,
  type ClientState,
} from '../client/index.js';
import type { ActionCatalog } from './spec.js';
import { ServerValues, valueKind } from './completion.js';
import { formatEvent, formatResult, painter, type Paint } from './format.js';
import { PatternError, tryCompilePattern, type Pattern } from '../pattern/index.js';

export interface ShellOptions {
  client: AmiClient;
  catalog: ActionCatalog;
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  /** readline terminal mode (line editing, history, Tab). Default: output is a TTY. */
  terminal?: boolean;
  color?: boolean;
  /** Where history is kept (terminal mode only). */
  historyFile?: string;
  /** Show live events at start. Default true. */
  events?: boolean;
  /** Where completion finds the server's values (default: asked of `client`, cached). */
  values?: ServerValues;
}

const SHELL_COMMANDS = ['help', 'actions', '/events', '/quit', '/exit', '/help'];
const HISTORY_MAX = 1000;

/** A history line that holds a secret is never stored. */
export function isSensitive(line: string): boolean {
  return /(^|[\s;])(secret|key)\s*[=:]/i.test(line) || /^\s*login\b/i.test(line);
}

/** Splits `Name K=V K2="a b"` into words, honouring single and double quotes and backslash escapes. */
export function splitWords(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inWord = false;
  let q: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (q !== null) {
      if (ch === q) q = null;
      else if (ch === '\\' && q === '"' && i + 1 < line.length) cur += line[++i];
      else cur += ch;
    } else if (ch === '"' || ch === "'") {
      q = ch;
      inWord = true;
    } else if (ch === ' ' || ch === '\t') {
      if (inWord) out.push(cur);
      cur = '';
      inWord = false;
    } else if (ch === '\\' && i + 1 < line.length) {
      cur += line[++i];
      inWord = true;
    } else {
      cur += ch;
      inWord = true;
    }
  }
  if (q !== null) throw new Error('unterminated quote');
  if (inWord) out.push(cur);
  return out;
}

/** `Key=Value` words to parameters (a repeated key becomes a repeated header). */
export function parseParams(words: string[]): AnyParams {
  const params: AnyParams = {};
  for (const w of words) {
    const eq = w.indexOf('=');
    if (eq <= 0) throw new Error(`expected Key=Value, got ${JSON.stringify(w)}`);
    const k = w.slice(0, eq);
    const v = w.slice(eq + 1);
    const cur = params[k];
    if (cur === undefined) params[k] = v;
    else params[k] = Array.isArray(cur) ? [...(cur as string[]), v] : [String(cur), v];
  }
  return params;
}

/** A filter typed in the shell: case-insensitive, on the linear-time engine; throws a readable Error. */
function userPattern(src: string): Pattern {
  const p = tryCompilePattern(src, { ignoreCase: true });
  if (p instanceof PatternError) throw new Error(`invalid regex /${src}/: ${p.message}`);
  return p;
}

/** A completed value as one word: quoted when it holds a space or a quote. */
function quoteWord(v: string): string {
  return /[\s"'\\]/.test(v) ? `"${v.replace(/["\\]/g, (c) => `\\${c}`)}"` : v;
}

export class AmiShell {
  private readonly rl: readline.Interface;
  private readonly paint: Paint;
  private readonly out: NodeJS.WritableStream;
  private readonly terminal: boolean;
  private readonly values: ServerValues;
  private showEvents: boolean;
  private eventFilter: Pattern | null = null;
  private multi: { action: string; pairs: Array<[string, string]> } | null = null;
  private chain: Promise<void> = Promise.resolve();
  private quitting = false;
  private readonly onEvent = (e: AmiEvent): void => this.printEvent(e);
  private readonly onState = (s: ClientState): void => {
    if (s === 'reconnecting') this.notice('connection lost; reconnecting...');
    else if (s === 'ready') this.notice('connected again');
    else if (s === 'closed' && !this.quitting) this.notice('connection closed');
  };

  constructor(private readonly opts: ShellOptions) {
    this.out = opts.output;
    this.terminal = opts.terminal ?? (opts.output as { isTTY?: boolean }).isTTY === true;
    this.paint = painter(opts.color ?? false);
    this.showEvents = opts.events ?? true;
    this.values = opts.values ?? new ServerValues(opts.client);
    this.rl = readline.createInterface({
      input: opts.input,
      output: opts.output,
      terminal: this.terminal,
      completer: (line: string, done: (err: Error | null, result: [string[], string]) => void) => {
        this.complete(line).then(
          (r) => done(null, r),
          () => done(null, [[], line]),
        );
      },
      history: this.loadHistory(),
      historySize: HISTORY_MAX,
      removeHistoryDuplicates: true,
      prompt: this.promptText(),
    });
    this.rl.on('history', (h: string[]) => this.saveHistory(h));
    // Ctrl-C: drop the line being typed (or the multi-line action); on an empty line, leave.
    this.rl.on('SIGINT', () => {
      const typed = (this.rl as readline.Interface & { line: string }).line;
      if (typed !== '' || this.multi !== null) {
        this.multi = null;
        this.setPrompt();
        this.write('^C\n');
        this.rl.write(null, { ctrl: true, name: 'u' });
        this.rl.prompt();
      } else {
        this.quitting = true;
        this.write('\n');
        this.rl.close();
      }
    });
  }

  /** Runs until /quit or the end of input; resolves with the exit status. */
  run(): Promise<number> {
    const { client } = this.opts;
    client.on('event', this.onEvent);
    client.on('state', this.onState);
    const v = client.version ? ` (AMI ${client.version})` : '';
    this.write(
      this.paint('bold', `Connected to ${client.host}:${client.port}${v}.`) +
        ` Type ${this.paint('cyan', 'help')} for help, Tab to complete, ${this.paint('cyan', '/quit')} to leave.\n`,
    );
    this.rl.prompt();
    return new Promise((resolve) => {
      this.rl.on('line', (line) => {
        this.chain = this.chain.then(() => this.handle(line)).catch((e: Error) => this.error(e.message));
      });
      this.rl.on('close', () => {
        void this.chain.then(() => {
          client.off('event', this.onEvent);
          client.off('state', this.onState);
          resolve(0);
        });
      });
    });
  }

  /**
   * Tab completion: action names first (the spec's and the server's own), then parameter names
   * (`Key=`, or `Key: ` in multi-line entry), then the values the server knows for a parameter
   * (`Queue=` queue names, `Channel=` live channels, `Peer=` SIP peers, `Context=`/`Exten=` the
   * dialplan, Originate's `Channel=` dial strings...), fetched through ServerValues with caching.
   */
  async complete(line: string): Promise<[string[], string]> {
    const { catalog } = this.opts;
    const match = (list: string[], word: string): string[] => {
      const lw = word.toLowerCase();
      return list.filter((x) => x.toLowerCase().startsWith(lw));
    };
    const actionNames = async (): Promise<string[]> => {
      const server = await this.values.values('action');
      const known = new Set(catalog.names.map((n) => n.toLowerCase()));
      return [...catalog.names, ...server.filter((n) => !known.has(n.toLowerCase())).sort()];
    };
    if (this.multi !== null) {
      const colon = line.indexOf(':');
      if (colon > 0) {
        const key = line.slice(0, colon).trim();
        const partial = line.slice(colon + 1).replace(/^ /, '');
        const ctx = this.multi.pairs.find(([k]) => k.toLowerCase() === 'context')?.[1];
        const values = await this.valuesFor(this.multi.action, key, ctx?.trim());
        return [match(values, partial).map((v) => `${key}: ${v}`), line];
      }
      const info = catalog.get(this.multi.action);
      const used = new Set(this.multi.pairs.map(([k]) => k.toLowerCase()));
      const names = (info?.parameters ?? []).map((p) => p.name).filter((n) => !used.has(n.toLowerCase()));
      return [match(names, line).map((n) => `${n}: `), line];
    }
    const words = line.split(/\s+/);
    const last = words[words.length - 1] ?? '';
    if (words.length <= 1) {
      if (/^action:\s*/i.test(line)) return [[], line];
      const hits = match([...SHELL_COMMANDS, ...(await actionNames()), 'Action:'], last);
      return [hits, last];
    }
    const head = words[0].toLowerCase();
    if (head === 'help' || head === '/help') return [match(catalog.names, last), last];
    if (head === 'action:') return [match(await actionNames(), last), last];
    if (head === '/events') {
      if (words.length === 2) return [match(['on', 'off', 'filter'], last), last];
      return [[], last];
    }
    const eq = last.indexOf('=');
    if (eq > 0) {
      const key = last.slice(0, eq);
      const partial = last.slice(eq + 1).replace(/^["']/, '');
      const ctxWord = words.slice(1, -1).find((w) => /^context=/i.test(w));
      const ctx = ctxWord?.slice(ctxWord.indexOf('=') + 1).replace(/^["']|["']$/g, '');
      const values = await this.valuesFor(catalog.canonical(words[0]), key, ctx);
      return [match(values, partial).map((v) => `${key}=${quoteWord(v)}`), last];
    }
    if (eq === 0) return [[], last];
    const info = catalog.get(words[0]);
    if (!info) return [[], last];
    const used = new Set(words.slice(1, -1).map((w) => w.split('=')[0].toLowerCase()));
    const names = info.parameters.map((p) => p.name).filter((n) => !used.has(n.toLowerCase()));
    return [match(names, last).map((n) => `${n}=`), last];
  }

  /** What the server knows for `action`'s parameter `key` (nothing for free-form parameters). */
  private async valuesFor(action: string, key: string, context: string | undefined): Promise<string[]> {
    const kind = valueKind(action, key);
    if (kind === null) return [];
    return this.values.values(kind, context || undefined);
  }

  /** Handles one input line (exposed for tests). */
  async handle(raw: string): Promise<void> {
    const line = raw.replace(/\r$/, '');
    try {
      if (this.multi !== null) {
        await this.multiLine(line);
        return;
      }
      const t = line.trim();
      if (t === '') return;
      const words = splitWords(t);
      const cmd = words[0].toLowerCase();
      if (cmd === '/quit' || cmd === '/exit' || cmd === 'quit' || cmd === 'exit') {
        this.quitting = true;
        this.rl.close();
        return;
      }
      if (cmd === 'help' || cmd === '/help' || cmd === '?') {
        this.help(words[1]);
        return;
      }
      if (cmd === 'actions' || cmd === '/actions') {
        const re = words[1] ? userPattern(words[1]) : null;
        const names = this.opts.catalog.names.filter((n) => !re || re.testHead(n));
        this.write(names.join('  ') + '\n');
        return;
      }
      if (cmd === '/events') {
        this.eventsCommand(words.slice(1), t);
        return;
      }
      const m = /^action:\s*(.*)$/i.exec(t);
      if (m) {
        this.multi = { action: this.opts.catalog.canonical(m[1].trim()), pairs: [] };
        if (!this.multi.action) {
          this.multi = null;
          throw new Error('Action: needs an action name');
        }
        this.setPrompt();
        return;
      }
      if (/^[^\s=]+:\s/.test(t))
        throw new Error('start a multi-line action with "Action: <Name>", or type "Name Key=Value"');
      await this.sendAndPrint(this.opts.catalog.canonical(words[0]), parseParams(words.slice(1)));
    } finally {
      if (!this.quitting) this.rl.prompt();
    }
  }

  private async multiLine(line: string): Promise<void> {
    const m = this.multi as { action: string; pairs: Array<[string, string]> };
    if (line.trim() === '') {
      this.multi = null;
      this.setPrompt();
      const params: AnyParams = {};
      for (const [k, v] of m.pairs) {
        const cur = params[k];
        params[k] = cur === undefined ? v : Array.isArray(cur) ? [...(cur as string[]), v] : [String(cur), v];
      }
      await this.sendAndPrint(m.action, params);
      return;
    }
    if (line.trim() === '/cancel') {
      this.multi = null;
      this.setPrompt();
      return;
    }
    const c = line.indexOf(':');
    if (c <= 0)
      throw new Error(`expected "Key: Value" (a blank line sends, /cancel drops): ${JSON.stringify(line)}`);
    const k = line.slice(0, c).trim();
    m.pairs.push([k, line.slice(c + 1).replace(/^ /, '')]);
  }

  private async sendAndPrint(action: string, params: AnyParams): Promise<void> {
    try {
      const r = await this.opts.client.send(action, params);
      this.write(formatResult(r, this.paint) + '\n\n');
    } catch (e) {
      if (e instanceof AmiError) {
        this.write(formatResult(e.response, this.paint) + '\n\n');
        return;
      }
      throw e;
    }
  }

  private eventsCommand(args: string[], text: string): void {
    const sub = (args[0] ?? '').toLowerCase();
    if (sub === 'on' || sub === 'off') {
      this.showEvents = sub === 'on';
      this.notice(`events ${sub}`);
    } else if (sub === 'filter') {
      const src = text.replace(/^\/events\s+filter\s*/i, '');
      this.eventFilter = src === '' ? null : userPattern(src);
      this.showEvents = true;
      this.notice(src === '' ? 'event filter cleared' : `showing events with a line matching /${src}/i`);
    } else {
      this.notice(
        `events are ${this.showEvents ? 'on' : 'off'}${this.eventFilter ? `, filter /${this.eventFilter.source}/i` : ''}; usage: /events on|off|filter <regex>`,
      );
    }
  }

  private help(name: string | undefined): void {
    if (name === undefined) {
      const p = this.paint;
      this.write(
        [
          `${p('cyan', '<Action> [Key=Value ...]')}   send an action, e.g. QueueStatus Queue=sales (quotes for spaces)`,
          `${p('cyan', 'Action: <Name>')}             multi-line entry: then Key: Value lines; a blank line sends`,
          `${p('cyan', 'help <Action>')}              syntax, required/optional parameters, privilege`,
          `${p('cyan', 'actions [regex]')}            list action names`,
          `${p('cyan', '/events on|off')}             show live events or not`,
          `${p('cyan', '/events filter <regex>')}     only events with a header line matching (empty: all)`,
          `${p('cyan', '/quit')}                      leave (or Ctrl-D)`,
          'Tab completes action names, parameter names and the values the server knows (queues, channels, peers, contexts...).',
          '',
        ].join('\n'),
      );
      return;
    }
    const h = this.opts.catalog.help(name);
    if (h === null) throw new Error(`no such action in the spec: ${name} (try: actions ${name})`);
    this.write(h.replace(/^\[(\w[\w ]*)\]$/gm, (s) => this.paint('bold', s)) + '\n\n');
  }

  private printEvent(e: AmiEvent): void {
    if (!this.showEvents) return;
    if (this.eventFilter !== null) {
      const re = this.eventFilter;
      let ok = false;
      for (const [k, v] of Object.entries(e)) {
        for (const x of Array.isArray(v) ? v : [v]) if (re.testHead(`${k}: ${x}`)) ok = true;
      }
      if (!ok) return;
    }
    this.async(formatEvent(e, this.paint) + '\n\n');
  }

  private notice(text: string): void {
    this.async(this.paint('dim', `[${text}]`) + '\n');
  }

  private error(text: string): void {
    this.write(this.paint('red', `error: ${text}`) + '\n');
    if (!this.quitting) this.rl.prompt();
  }

  /** Output that arrives while the user may be typing: redraw the prompt and the typed text after it. */
  private async(text: string): void {
    if (this.terminal) {
      readline.clearLine(this.out, 0);
      readline.cursorTo(this.out, 0);
      this.out.write(text);
      if (!this.quitting) this.rl.prompt(true);
    } else this.out.write(text);
  }

  private write(text: string): void {
    this.out.write(text);
  }

  private promptText(): string {
    return this.multi !== null ? `${this.multi.action}... ` : 'ami> ';
  }

  private setPrompt(): void {
    this.rl.setPrompt(this.promptText());
  }

  private loadHistory(): string[] {
    const f = this.opts.historyFile;
    if (!f || !existsSync(f)) return [];
    try {
      return readFileSync(f, 'utf8')
        .split('\n')
        .filter((l) => l !== '' && !isSensitive(l))
        .reverse()
        .slice(0, HISTORY_MAX);
    } catch {
      return [];
    }
  }

  private saveHistory(h: string[]): void {
    const f = this.opts.historyFile;
    if (!f) return;
    try {
      // Lines with secrets are dropped from memory and never reach the file.
      for (let i = h.length - 1; i >= 0; i--) if (isSensitive(h[i])) h.splice(i, 1);
      mkdirSync(dirname(f), { recursive: true, mode: 0o700 });
      if (!existsSync(f)) appendFileSync(f, '', { mode: 0o600 });
      writeFileSync(f, [...h].reverse().join('\n') + '\n', { mode: 0o600 });
    } catch {
      // history is a convenience; never fail the shell for it
    }
  }
}
