/** The `amikit` command line: serve, shell, action, events. */
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import {
  AmiAuthError,
  AmiClient,
  AmiConnectionError,
  AmiError,
  AmiTimeoutError,
  type AmiClientOptions,
  type AnyParams,
  type ParamsOf,
  type AmiEvent,
  type AmiResponse,
} from '../client/index.js';
import {
  askHidden,
  clientOptions,
  configDir,
  resolveConnection,
  type ConnectionFlags,
} from './connection.js';
import { CliError, EXIT } from './errors.js';
import { PatternError, tryCompilePattern, type Pattern } from '../pattern/index.js';
import { colorEnabled, formatEvent, formatResult, painter, toJson } from './format.js';
import { serve, type CliIO } from './serve.js';
import { AmiShell, parseParams } from './shell.js';
import { ActionCatalog, packageRoot } from './spec.js';

export interface MainIO extends CliIO {
  stdin: NodeJS.ReadStream | NodeJS.ReadableStream;
  stdout: NodeJS.WriteStream | NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
  /** Where SIGINT/SIGTERM/SIGHUP come from. */
  signals: NodeJS.EventEmitter;
}

function defaultIO(): MainIO {
  return {
    out: (l) => process.stdout.write(l + '\n'),
    err: (l) => process.stderr.write(l + '\n'),
    stdin: process.stdin,
    stdout: process.stdout,
    env: process.env,
    signals: process,
  };
}

function version(): string {
  try {
    return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string })
      .version;
  } catch {
    return '0.0.0';
  }
}

function addConnectionOptions(cmd: Command): Command {
  return cmd
    .option('-H, --host <host>', 'AMI host (env AMI_HOST; default 127.0.0.1)')
    .option('-p, --port <port>', 'AMI port (env AMI_PORT; default 5038, 5039 with --tls)')
    .option('-u, --user <name>', 'AMI username (env AMI_USER)')
    .option('-s, --secret <secret>', 'AMI secret (env AMI_SECRET; prefer the environment or a profile)')
    .option('--tls', 'connect with TLS (env AMI_TLS=1)')
    .option('--insecure', 'TLS: do not verify the server certificate (env AMI_TLS_INSECURE=1)')
    .option('--md5', 'log in with an MD5 challenge instead of a plaintext secret')
    .option(
      '-P, --profile <name>',
      'use a profile from $XDG_CONFIG_HOME/amikit/profiles.json (env AMI_PROFILE)',
    )
    .option('--timeout <ms>', 'time allowed for connecting and for each answer', '10000');
}

function timeoutOf(flags: { timeout?: string }): number {
  const n = Number(flags.timeout ?? 10000);
  if (!Number.isFinite(n) || n <= 0)
    throw new CliError(`--timeout: invalid value ${JSON.stringify(flags.timeout)}`, EXIT.usage);
  return n;
}

async function connect(
  flags: ConnectionFlags & { timeout?: string },
  io: MainIO,
  extra: Partial<AmiClientOptions>,
): Promise<AmiClient> {
  const conn = resolveConnection(flags, io.env);
  const insecure =
    (flags as { insecure?: boolean }).insecure === true ||
    /^(1|true|yes)$/i.test(io.env.AMI_TLS_INSECURE ?? '');
  const ms = timeoutOf(flags);
  const stdin = io.stdin as NodeJS.ReadStream;
  const opts = await clientOptions(
    conn,
    {
      connectTimeoutMs: ms,
      actionTimeoutMs: ms,
      ...(conn.tls && insecure ? { tls: { rejectUnauthorized: false } } : {}),
      ...extra,
    },
    stdin.isTTY ? (p) => askHidden(p, stdin) : undefined,
  );
  const client = new AmiClient(opts);
  await client.connect();
  return client;
}

/** Maps any failure to one line and an exit status. */
function failure(e: unknown, io: CliIO): number {
  if (e instanceof CliError) {
    io.err(`amikit: ${e.message}`);
    return e.exitCode;
  }
  if (e instanceof AmiError) {
    io.err(`amikit: ${e.action}: ${e.message}`);
    return EXIT.actionError;
  }
  if (e instanceof AmiAuthError || e instanceof AmiConnectionError || e instanceof AmiTimeoutError) {
    io.err(`amikit: ${e.message}`);
    return EXIT.connection;
  }
  const err = e as Error;
  io.err(`amikit: ${err?.message ?? String(e)}`);
  return EXIT.actionError;
}

/** Event filters as Asterisk's eventfilter: a regex tested on each `Header: value` line; `!regex` excludes. */
export function eventMatcher(filters: string[]): (e: AmiEvent) => boolean {
  const inc: Pattern[] = [];
  const exc: Pattern[] = [];
  for (const f of filters) {
    const src = f.startsWith('!') ? f.slice(1) : f;
    const p = tryCompilePattern(src);
    if (p instanceof PatternError) throw new CliError(`--filter: /${src}/: ${p.message}`, EXIT.usage);
    (f.startsWith('!') ? exc : inc).push(p);
  }
  const lines = (e: AmiEvent): string[] => {
    const out: string[] = [];
    for (const [k, v] of Object.entries(e))
      for (const x of Array.isArray(v) ? v : [v]) out.push(`${k}: ${x}`);
    return out;
  };
  return (e) => {
    const ls = lines(e);
    if (inc.length > 0 && !inc.some((re) => ls.some((l) => re.testHead(l)))) return false;
    return !exc.some((re) => ls.some((l) => re.testHead(l)));
  };
}

/** The Originate's own Timeout parameter (ms the channel may ring; Asterisk's default 30000). */
function originateTimeoutMs(params: AnyParams): number {
  const entry = Object.entries(params).find(([k]) => /^timeout$/i.test(k));
  const v = Number(Array.isArray(entry?.[1]) ? entry[1][0] : entry?.[1]);
  return Number.isFinite(v) && v > 0 ? v : 30_000;
}

/**
 * Originate with Async=true: prints the response (`Originate successfully queued`), then the
 * OriginateResponse of its ActionID, waiting for it at most `waitMs` (exit 3 when it does not come).
 */
async function asyncOriginateAction(
  client: AmiClient,
  params: AnyParams,
  waitMs: number,
  json: boolean,
  io: MainIO,
  paint: ReturnType<typeof painter>,
): Promise<number> {
  const idKey = Object.keys(params).find((k) => /^actionid$/i.test(k));
  const given = idKey === undefined ? '' : String(params[idKey]).trim();
  const actionId = given !== '' ? given : `amikit-${process.pid}-${Date.now().toString(36)}`;
  const sendParams = { ...params };
  if (idKey !== undefined) delete sendParams[idKey];
  sendParams.ActionID = actionId;
  // Listen before sending: the event may follow the response within the same read.
  let onEvent: (e: AmiEvent) => void = () => {};
  const event = new Promise<AmiEvent>((resolve) => {
    onEvent = (e) => {
      if (String(e.ActionID ?? '').trim() === actionId) resolve(e);
    };
    client.on('OriginateResponse', onEvent);
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    let response: AmiResponse;
    try {
      response = (await client.send('Originate', sendParams as ParamsOf<'Originate'>)) as AmiResponse;
    } catch (e) {
      if (!(e instanceof AmiError)) throw e;
      io.out(
        json ? toJson({ response: e.response, event: null }) : formatResult(e.response as AmiResponse, paint),
      );
      return EXIT.actionError;
    }
    // A blank line ends each message, as on the wire.
    if (!json) io.out(formatResult(response, paint) + '\n');
    const timedOut = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), waitMs)));
    const ev = await Promise.race([event, timedOut]);
    if (json) io.out(toJson({ response, event: ev }));
    if (ev === null) {
      io.err(`amikit: Originate: no OriginateResponse for ActionID ${actionId} within ${waitMs} ms`);
      return EXIT.connection;
    }
    if (!json) io.out(formatResult(ev, paint));
    return String(ev.Response).toLowerCase() === 'success' ? EXIT.ok : EXIT.actionError;
  } finally {
    clearTimeout(timer);
    client.off('OriginateResponse', onEvent);
  }
}

export function buildProgram(io: MainIO, result: { code: number }): Command {
  const program = new Command('amikit');
  program
    .description('amikit: an Asterisk Manager Interface server and client')
    .version(version(), '-V, --version')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.err(s.replace(/\n+$/, '')),
      outputError: (s, write) => write(`amikit: ${s.replace(/^error: /, '').trim()} (see --help)\n`),
    })
    .helpCommand(true)
    .addHelpText(
      'after',
      '\nConnection: flags, else AMI_HOST AMI_PORT AMI_USER AMI_SECRET AMI_TLS, else a profile in\n' +
        '$XDG_CONFIG_HOME/amikit/profiles.json (~/.config/amikit) chosen with --profile (or "default").\n' +
        'Exit status: 0 ok; 1 Response: Error, or the server could not start; 2 usage error;\n' +
        '3 cannot connect, login refused, timeout.',
    );

  program
    .command('serve')
    .description('run the AMI server (Asterisk configuration directory, or the demo)')
    .option('-c, --config <dir>', 'Asterisk configuration directory (manager.conf, ...)')
    .option('--demo', 'use the embedded demo configuration (prints its credentials)')
    .option(
      '--asterisk <release>',
      'the Asterisk release to be: 20 (chan_sip, AMI 9.0.0) or 22 (AMI 11.0.0); default: asterisk.conf [amikit] asterisk, else 20',
    )
    .option('--ami-port <n>', 'AMI TCP port (overrides manager.conf port)')
    .option('--tls-port <n>', 'AMI TLS port (overrides manager.conf tlsbindport)')
    .option('--http-port <n>', 'HTTP manager port')
    .option('--sip-port <n>', "SIP port (the release's SIP channel driver)")
    .option('--bind <addr>', 'address every listener binds to')
    .option('--data-dir <dir>', 'where astdb and cdr-csv live (default: .amikit-data; "none": in memory)')
    .option('--virtual-clock', 'run the telephony core on a virtual clock (driven by SimClock)')
    .option('--seed <n>', 'seed of the telephony core (same seed, same run)')
    .addOption(
      new Option('--log-level <level>', 'log level').choices([
        'trace',
        'debug',
        'info',
        'warn',
        'error',
        'fatal',
        'silent',
      ]),
    )
    .addOption(
      new Option(
        '--log-format <format>',
        'output format: text (readable lines) or json (one object per line); default: text on a terminal, else json (env AMIKIT_LOG_FORMAT)',
      ).choices(['text', 'json']),
    )
    .addHelpText(
      'after',
      '\nPrints where it listens, the web console URL and (with --demo) the login, then the log, all on\n' +
        'stdout. A listener that cannot open stops the start (exit 1). SIGINT/SIGTERM stop the server\n' +
        '(exit 0); SIGHUP reloads the configuration.',
    )
    .action(async (flags) => {
      result.code = await serve(
        flags as Record<string, string>,
        io,
        io.signals,
        (io.stdout as NodeJS.WriteStream).isTTY === true,
      );
    });

  addConnectionOptions(
    program
      .command('shell')
      .description('interactive AMI shell: completion, help <Action>, history, live events')
      .option('--no-events', 'start with live events hidden (/events on shows them)')
      .option('--no-color', 'no colours (also NO_COLOR)'),
  )
    .addHelpText(
      'after',
      '\nInside: "QueueStatus Queue=sales", or "Action: QueueStatus" then "Key: Value" lines and a blank line;\n' +
        'help <Action>; actions [regex]; /events on|off|filter <regex>; /quit. Tab completes.',
    )
    .action(async (flags) => {
      const client = await connect(flags, io, {
        events: 'on',
        reconnect: { initialDelayMs: 500, maxDelayMs: 10_000 },
      });
      const out = io.stdout as NodeJS.WriteStream;
      const shell = new AmiShell({
        client,
        // help <Action> and completion follow the release the server's banner names.
        catalog: ActionCatalog.load(packageRoot(), ActionCatalog.releaseFor(client.version)),
        input: io.stdin,
        output: io.stdout,
        terminal: (io.stdin as NodeJS.ReadStream).isTTY === true && out.isTTY === true,
        color: flags.color !== false && colorEnabled(out, io.env),
        historyFile: join(configDir(io.env), 'shell_history'),
        events: flags.events !== false,
      });
      try {
        result.code = await shell.run();
      } finally {
        await client.close();
      }
    });

  addConnectionOptions(
    program
      .command('action')
      .description('send one action and print the answer (lists collected); exit 1 on Response: Error')
      .argument('<name>', 'action name, e.g. QueueStatus')
      .argument('[params...]', 'Key=Value parameters (repeat a key for repeated headers)')
      .option('--json', 'print JSON ({response, events, complete} for lists)'),
  )
    .addHelpText(
      'after',
      '\nExample: amikit action QueueStatus Queue=sales --json\n         amikit action Command Command="core show channels"\n' +
        '\nOriginate with Async=true prints the response, then the OriginateResponse event (--json:\n' +
        "{response, event}); it waits for the event --timeout ms when given, else the Originate's Timeout\n" +
        '(default 30000) plus 10 s, and exits 3 when none comes.',
    )
    .action(async (name: string, words: string[], flags, cmd: Command) => {
      let params;
      try {
        params = parseParams(words);
      } catch (e) {
        throw new CliError((e as Error).message, EXIT.usage);
      }
      const asyncOriginate =
        /^originate$/i.test(name) &&
        Object.entries(params).some(([k, v]) => /^async$/i.test(k) && /^(1|true|yes|on)$/i.test(String(v)));
      // OriginateResponse is a call-class event: an async Originate needs call events to see it.
      const client = await connect(flags, io, {
        events: asyncOriginate ? 'call' : 'off',
        reconnect: false,
        keepaliveMs: 0,
      });
      const paint = painter(colorEnabled(io.stdout as NodeJS.WriteStream, io.env));
      try {
        if (asyncOriginate) {
          const waitMs =
            cmd.getOptionValueSource('timeout') === 'cli'
              ? timeoutOf(flags)
              : originateTimeoutMs(params) + timeoutOf(flags);
          result.code = await asyncOriginateAction(client, params, waitMs, flags.json === true, io, paint);
          return;
        }
        const r = await client.send(name, params);
        io.out(flags.json ? toJson(r) : formatResult(r, paint));
        result.code = EXIT.ok;
      } catch (e) {
        if (!(e instanceof AmiError)) throw e;
        io.out(flags.json ? toJson(e.response) : formatResult(e.response as AmiResponse, paint));
        result.code = EXIT.actionError;
      } finally {
        await client.close();
      }
    });

  addConnectionOptions(
    program
      .command('events')
      .description('print events until interrupted (Ctrl-C)')
      .option(
        '-f, --filter <regex>',
        "show events with a header line matching, e.g. 'Event: Queue.*'; '!regex' hides; repeatable",
        (v: string, acc: string[]) => [...acc, v],
        [] as string[],
      )
      .option('--json', 'one JSON object per line'),
  ).action(async (flags) => {
    const match = eventMatcher(flags.filter as string[]);
    const client = await connect(flags, io, { events: 'on', reconnect: {} });
    const paint = painter(colorEnabled(io.stdout as NodeJS.WriteStream, io.env));
    client.on('state', (s) => {
      if (s === 'reconnecting') io.err('amikit: connection lost, reconnecting...');
      else if (s === 'ready') io.err('amikit: connected');
    });
    client.on('error', (e) => io.err(`amikit: ${e.message}`));
    const stop = new Promise<void>((resolve) => {
      io.signals.once('SIGINT', resolve);
      io.signals.once('SIGTERM', resolve);
      client.once('close', resolve);
    });
    io.err(
      `amikit: connected to ${client.host}:${client.port} (AMI ${client.version ?? '?'}); Ctrl-C to stop`,
    );
    const it = client.events({ filter: match });
    const pump = (async () => {
      const so = io.stdout as NodeJS.WriteStream;
      for await (const e of it) {
        io.out(flags.json ? toJson(e) : formatEvent(e, paint) + '\n');
        // A slow reader of our output slows the iterator, which pauses the socket: nothing piles up.
        if (so.writableNeedDrain) await once(so, 'drain');
      }
    })();
    await stop;
    await client.close();
    await pump;
    result.code = EXIT.ok;
  });

  return program;
}

/** Runs the command line; resolves with the exit status. */
export async function main(argv: string[], io: MainIO = defaultIO()): Promise<number> {
  const result = { code: EXIT.ok as number };
  const program = buildProgram(io, result);
  try {
    await program.parseAsync(argv);
    return result.code;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (
        e.code === 'commander.helpDisplayed' ||
        e.code === 'commander.version' ||
        e.code === 'commander.help'
      ) {
        return EXIT.ok;
      }
      if (e.code === 'commander.executeSubCommandAsync') return EXIT.ok;
      return EXIT.usage;
    }
    return failure(e, io);
  }
}
