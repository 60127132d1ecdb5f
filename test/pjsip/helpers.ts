/**
 * Shared pieces of the PJSIP tests: a server on a copy of the 22.10.1 recorded configuration
 * (test/fixtures/conformance-22/config) with the PJSIP module added on an ephemeral loopback UDP
 * port, and the Asterisk 22 versions a client sees.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestServer, configDirWithTestCertificate, type TestServer } from '../../src/testing/server.js';
import { ASTERISK_22, type ReleaseProfile } from '../../src/profiles/index.js';
import { createPjsipModule, type PjsipModule } from '../../src/modules/pjsip/index.js';
import { silentLogger } from '../../src/logger.js';
import { FIXTURES } from '../helpers/fixtures.js';

export const CONFORMANCE_22_DIR = join(FIXTURES, 'conformance-22');

/** The Asterisk 22 release, the one PJSIP belongs to. */
export const TEST_PROFILE_22: ReleaseProfile = ASTERISK_22;

export interface PjsipTestServer {
  srv: TestServer;
  pjsip: PjsipModule;
  configDir: string;
  dispose(): Promise<void>;
}

/** The recorded 22 configuration with pjsip.conf rewritten by `edit`, and the PJSIP module on it. */
export async function startPjsipServer(
  edit: (pjsipConf: string) => string = (t) => t,
  opts: { random?: () => number } = {},
): Promise<PjsipTestServer> {
  const configDir = configDirWithTestCertificate(join(CONFORMANCE_22_DIR, 'config'));
  const p = join(configDir, 'pjsip.conf');
  writeFileSync(p, edit(readFileSync(p, 'utf8')));
  const srv = await startTestServer({
    configDir,
    httpPort: 0,
    sipPort: 0,
    sip: false,
    pjsip: false,
    profile: TEST_PROFILE_22,
  });
  const pjsip = createPjsipModule({
    configDir,
    bindOverride: { host: '127.0.0.1', port: 0 },
    log: silentLogger(),
    profile: TEST_PROFILE_22,
    random: opts.random,
  });
  await srv.manager.addModule(pjsip);
  return {
    srv,
    pjsip,
    configDir,
    dispose: async () => {
      await srv.dispose();
    },
  };
}

/** A bare UDP SIP peer for the wire tests: sends requests, collects every datagram it receives. */
export class UdpPeer {
  readonly received: string[] = [];
  /** Answers requests it receives (default: 200 OK); return null to stay silent. */
  answer: (req: string) => string | null = (req) => okFor(req);
  private constructor(
    private readonly sock: import('node:dgram').Socket,
    readonly port: number,
  ) {
    sock.on('message', (d, r) => {
      const text = d.toString('latin1');
      this.received.push(text);
      if (!text.startsWith('SIP/2.0')) {
        const res = this.answer(text);
        if (res) sock.send(Buffer.from(res, 'latin1'), r.port, r.address);
      }
    });
  }

  static async open(): Promise<UdpPeer> {
    const dgram = await import('node:dgram');
    const s = dgram.createSocket('udp4');
    await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
    return new UdpPeer(s, s.address().port);
  }

  send(text: string, port: number): void {
    this.sock.send(Buffer.from(text, 'latin1'), port, '127.0.0.1');
  }

  /** Sends a request and waits for its final response (matched by CSeq). */
  async request(text: string, port: number, ms = 3000): Promise<string> {
    const cseq = /\r\nCSeq: *([^\r]+)/i.exec(text)?.[1] ?? '';
    const start = this.received.length;
    this.send(text, port);
    const end = Date.now() + ms;
    for (;;) {
      const got = this.received
        .slice(start)
        .find(
          (m) =>
            /^SIP\/2\.0 [2-6]/.test(m) &&
            new RegExp(`\\r\\nCSeq: *${cseq.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\r\\n`, 'i').test(m),
        );
      if (got) return got;
      if (Date.now() > end) throw new Error(`no response to ${text.split('\r\n')[0]}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  requests(method: string): string[] {
    return this.received.filter((m) => m.startsWith(method + ' '));
  }

  async close(): Promise<void> {
    await new Promise<void>((r) => this.sock.close(() => r()));
  }
}

/** `header: value` of a SIP message (first one), or undefined. */
export function sipHeader(msg: string, name: string): string | undefined {
  const m = new RegExp(`\\r\\n${name}: *([^\\r]*)\\r\\n`, 'i').exec(msg);
  return m?.[1];
}

/** A 200 OK echoing Via, From, To (with a tag), Call-ID and CSeq. */
export function okFor(req: string, code = '200 OK', extra: string[] = []): string {
  const lines = req.split('\r\n\r\n', 1)[0].split('\r\n').slice(1);
  const keep = lines.filter((l) => /^(via|from|call-id|cseq):/i.test(l));
  const to = lines.find((l) => /^to:/i.test(l)) ?? 'To: <sip:x@127.0.0.1>';
  return [
    'SIP/2.0 ' + code,
    ...keep,
    /;tag=/.test(to) ? to : to + ';tag=peer1',
    ...extra,
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}
