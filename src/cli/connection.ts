/**
 * Where to connect and as whom: command-line flags, then the environment (AMI_HOST, AMI_PORT, AMI_USER,
 * AMI_SECRET, AMI_TLS, AMI_PROFILE), then a profile from `$XDG_CONFIG_HOME/amikit/profiles.json`
 * (default ~/.config/amikit/profiles.json), then defaults (127.0.0.1, 5038 or 5039 with TLS).
 *
 * profiles.json: { "default": { "host": "pbx1", "port": 5038, "user": "admin", "secret": "...",
 *                  "tls": false, "authType": "md5" }, "lab": { ... } }
 * `--profile NAME` (or AMI_PROFILE) picks one; otherwise "default" is used when present.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { AmiClientOptions } from '../client/index.js';
import { CliError, EXIT } from './errors.js';

export interface ConnectionFlags {
  host?: string;
  port?: string | number;
  user?: string;
  secret?: string;
  tls?: boolean;
  profile?: string;
  md5?: boolean;
}

export interface Profile {
  host?: string;
  port?: number | string;
  user?: string;
  username?: string;
  secret?: string;
  tls?: boolean;
  authType?: 'plain' | 'md5';
  events?: string;
}

export interface ResolvedConnection {
  host: string;
  port: number;
  username: string | undefined;
  secret: string | undefined;
  tls: boolean;
  authType: 'plain' | 'md5';
  /** Where each value came from (never the secret's value). */
  source: string;
}

/** The user's amikit config directory. */
export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  const base =
    env.XDG_CONFIG_HOME && env.XDG_CONFIG_HOME !== ''
      ? env.XDG_CONFIG_HOME
      : join(env.HOME || homedir(), '.config');
  return join(base, 'amikit');
}

function truthy(v: string | undefined): boolean | undefined {
  if (v === undefined || v === '') return undefined;
  return /^(1|true|yes|on)$/i.test(v);
}

function port(v: string | number | undefined, what: string): number | undefined {
  if (v === undefined || v === '') return undefined;
  const n = typeof v === 'number' ? v : Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 65535)
    throw new CliError(`invalid port ${JSON.stringify(String(v))} (${what})`, EXIT.usage);
  return n;
}

export function loadProfile(
  name: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): Profile | undefined {
  const file = join(configDir(env), 'profiles.json');
  if (!existsSync(file)) {
    if (name !== undefined)
      throw new CliError(`profile "${name}" not found: ${file} does not exist`, EXIT.usage);
    return undefined;
  }
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new CliError(`cannot read ${file}: ${(e as Error).message}`, EXIT.usage);
  }
  const all = (
    data && typeof data === 'object' && 'profiles' in data ? (data as { profiles: unknown }).profiles : data
  ) as Record<string, Profile> | undefined;
  if (!all || typeof all !== 'object')
    throw new CliError(`${file}: expected an object of profiles`, EXIT.usage);
  if (name === undefined) return all.default;
  const p = all[name];
  if (!p)
    throw new CliError(
      `profile "${name}" not found in ${file} (have: ${Object.keys(all).join(', ') || 'none'})`,
      EXIT.usage,
    );
  return p;
}

export function resolveConnection(
  flags: ConnectionFlags,
  env: NodeJS.ProcessEnv = process.env,
): ResolvedConnection {
  const prof = loadProfile(flags.profile ?? (env.AMI_PROFILE || undefined), env) ?? {};
  const tls = flags.tls ?? truthy(env.AMI_TLS) ?? prof.tls ?? false;
  return {
    host: flags.host ?? (env.AMI_HOST || undefined) ?? prof.host ?? '127.0.0.1',
    port:
      port(flags.port, '--port') ??
      port(env.AMI_PORT, 'AMI_PORT') ??
      port(prof.port, 'profile') ??
      (tls ? 5039 : 5038),
    username: flags.user ?? (env.AMI_USER || undefined) ?? prof.user ?? prof.username,
    secret: flags.secret ?? (env.AMI_SECRET || undefined) ?? prof.secret,
    tls,
    authType: flags.md5 ? 'md5' : (prof.authType ?? 'plain'),
    source: flags.profile ? `profile ${flags.profile}` : 'flags/environment',
  };
}

/** Client options from a resolved connection; asks for the secret without echo when interactive. */
export async function clientOptions(
  c: ResolvedConnection,
  extra: Partial<AmiClientOptions> = {},
  ask?: (prompt: string) => Promise<string>,
): Promise<AmiClientOptions> {
  if (!c.username)
    throw new CliError('no username: use --user, AMI_USER or a profile (--profile)', EXIT.usage);
  let secret = c.secret;
  if (secret === undefined) {
    if (!ask) throw new CliError('no secret: use --secret, AMI_SECRET or a profile (--profile)', EXIT.usage);
    secret = await ask(`Secret for ${c.username}@${c.host}: `);
  }
  return {
    host: c.host,
    port: c.port,
    tls: c.tls,
    username: c.username,
    secret,
    authType: c.authType,
    ...extra,
  };
}

/** Reads a line from a TTY without echoing it. */
export function askHidden(
  prompt: string,
  input: NodeJS.ReadStream = process.stdin,
  output: NodeJS.WriteStream = process.stderr,
): Promise<string> {
  return new Promise((resolve, reject) => {
    if (!input.isTTY) {
      reject(new CliError('no secret: use --secret, AMI_SECRET or a profile (--profile)', EXIT.usage));
      return;
    }
    output.write(prompt);
    let buf = '';
    input.setRawMode(true);
    input.resume();
    input.setEncoding('utf8');
    const done = (err?: Error): void => {
      input.setRawMode(false);
      input.pause();
      input.off('data', onData);
      output.write('\n');
      if (err) reject(err);
      else resolve(buf);
    };
    const onData = (s: string): void => {
      for (const ch of s) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003') return done(new CliError('interrupted', 130));
        if (ch === '\u007f' || ch === '\b') buf = buf.slice(0, -1);
        else buf += ch;
      }
    };
    input.on('data', onData);
  });
}
