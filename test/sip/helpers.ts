/**
 * Shared pieces of the SIP tests: a SIP-enabled test server on a copy of the recorded configuration,
 * sipp detection and a bare AMI connection. The loopback SIP stub is src/testing/sip-stub.ts.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { startTestServer, type TestServer } from '../../src/testing/server.js';
import { conformanceConfigDir } from '../helpers/fixtures.js';
import { createSipModule, type SipModule, type DeviceStateSink } from '../../src/modules/sip/index.js';
import { silentLogger } from '../../src/logger.js';

export function sippPath(): string | null {
  const r = spawnSync('sh', ['-c', 'command -v sipp'], { encoding: 'utf8' });
  const p = r.stdout.trim();
  return r.status === 0 && p ? p : null;
}

export interface SipTestServer {
  srv: TestServer;
  sip: SipModule;
  configDir: string;
  devstates: Array<[string, string]>;
  dispose(): Promise<void>;
}

/**
 * The recorded configuration with sip.conf rewritten by `editSip`, a test server on it, and the SIP
 * module added the way the server will add it (on an ephemeral loopback UDP port).
 */
export async function startSipServer(editSip: (text: string) => string = (t) => t): Promise<SipTestServer> {
  const configDir = conformanceConfigDir();
  const p = join(configDir, 'sip.conf');
  writeFileSync(p, editSip(readFileSync(p, 'utf8')));
  // `sip: false` asks the server not to add its own SIP module (once src/server.ts wires one), so
  // that this test owns the module instance, its device-state sink and its ephemeral port.
  const serveOpts = { configDir, httpPort: 0, sipPort: 0, sip: false };
  const srv = await startTestServer(serveOpts);
  const devstates: Array<[string, string]> = [];
  const sink: DeviceStateSink = { setDeviceState: (d, s) => void devstates.push([d, s]) };
  const sip = createSipModule({
    configDir,
    bindOverride: { host: '127.0.0.1', port: 0 },
    deviceState: sink,
    log: silentLogger(),
  });
  await srv.manager.addModule(sip);
  return { srv, sip, configDir, devstates, dispose: () => srv.dispose() };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls until `fn` is true or the time is up. */
export async function waitFor(fn: () => boolean, ms = 5000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

export type AmiMsg = Array<[string, string]>;

export function hdr(m: AmiMsg, name: string): string | undefined {
  return m.find(([n]) => n.toLowerCase() === name.toLowerCase())?.[1];
}

/** A bare AMI connection that keeps every message it receives (tests read them back). */
export class AmiConn {
  readonly msgs: AmiMsg[] = [];
  private buf = '';
  private constructor(private readonly sock: import('node:net').Socket) {
    sock.on('data', (d) => {
      this.buf += d.toString('latin1');
      for (;;) {
        const i = this.buf.indexOf('\r\n\r\n');
        if (i < 0) break;
        const block = this.buf.slice(0, i);
        this.buf = this.buf.slice(i + 4);
        const lines = block.split('\r\n').filter((l) => l.includes(':'));
        if (lines.length)
          this.msgs.push(
            lines.map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).replace(/^ /, '')]),
          );
      }
    });
  }

  static async open(port: number, user = 'admin', secret = 'admin'): Promise<AmiConn> {
    const net = await import('node:net');
    const sock = net.connect({ host: '127.0.0.1', port });
    await new Promise<void>((r, j) => {
      sock.once('connect', () => r());
      sock.once('error', j);
    });
    const c = new AmiConn(sock);
    c.send({ Action: 'Login', Username: user, Secret: secret });
    await c.wait((m) => hdr(m, 'Response') === 'Success' && hdr(m, 'Message') === 'Authentication accepted');
    return c;
  }

  send(fields: Record<string, string | string[]>): void {
    let s = '';
    for (const [k, v] of Object.entries(fields))
      for (const x of Array.isArray(v) ? v : [v]) s += `${k}: ${x}\r\n`;
    this.sock.write(s + '\r\n');
  }

  async wait(pred: (m: AmiMsg) => boolean, ms = 5000): Promise<AmiMsg> {
    const end = Date.now() + ms;
    for (;;) {
      const m = this.msgs.find(pred);
      if (m) return m;
      if (Date.now() > end) throw new Error('timed out waiting for an AMI message');
      await sleep(10);
    }
  }

  /** Sends an action with an ActionID and returns every message carrying that ActionID once `done` matches. */
  async action(
    fields: Record<string, string | string[]>,
    done: (m: AmiMsg) => boolean = () => true,
  ): Promise<AmiMsg[]> {
    const id = `t${Math.random().toString(36).slice(2)}`;
    this.send({ ...fields, ActionID: id });
    await this.wait((m) => hdr(m, 'ActionID') === id && done(m));
    return this.msgs.filter((m) => hdr(m, 'ActionID') === id);
  }

  /** Unsolicited events of that name (list items, which carry an ActionID, are left out). */
  events(name: string): AmiMsg[] {
    return this.msgs.filter((m) => hdr(m, 'Event') === name && hdr(m, 'ActionID') === undefined);
  }

  close(): void {
    this.sock.destroy();
  }
}
