/**
 * `amikit serve` as a process: one output format (JSON lines when stdout is not a terminal, readable
 * lines with --log-format text), "AMI listening" once, the console URL and the demo login in the
 * summary; every listener that cannot bind (AMI, AMI over TLS, HTTP, SIP over UDP) stops the start
 * with one last line and exit 1; configuration directories that cannot serve say what to do (checked
 * in this process, and once as a process).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAmikit } from '../../src/server.js';
import { ListenError } from '../../src/manager/transports/listen-error.js';
import { conformanceConfigDir } from '../helpers/fixtures.js';
import { amikit, amikitMerged, inProcess } from './run.js';

const QUICK = ['--data-dir', 'none'];
const DEMO_PORTS = ['--ami-port', '0', '--http-port', '0', '--sip-port', '0'];

function busyTcp(): Promise<Server> {
  const s = createServer();
  return new Promise((resolve) => s.listen(0, '127.0.0.1', () => resolve(s)));
}
function busyUdp(): Promise<UdpSocket> {
  const s = createSocket('udp4');
  return new Promise((resolve) => s.bind(0, '127.0.0.1', () => resolve(s)));
}
const tcpPort = (s: Server): number => (s.address() as AddressInfo).port;

function tempDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'amikit-serve-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

test('serve output: JSON lines when stdout is not a terminal, readable lines on a terminal; summary once', async () => {
  const json = await amikit(['serve', '--demo', ...DEMO_PORTS, ...QUICK], {
    until: (out) => /live events/.test(out),
    timeoutMs: 60000,
  });
  assert.equal(json.code, 0, json.stderr);
  assert.equal(json.stderr, '');
  const records = json.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { msg: string; listener?: string; port?: number });
  const ami = records.filter((r) => /AMI listening/.test(r.msg));
  assert.equal(ami.length, 1, 'AMI listening is printed once');
  assert.equal(ami[0].listener, 'ami');
  assert.match(ami[0].msg, /^AMI listening on 127\.0\.0\.1:\d+$/);
  const http = records.find((r) => r.listener === 'http');
  assert.ok(http && http.port && http.port > 0);
  assert.ok(
    records.some((r) =>
      /^web console: (http:\/\/127\.0\.0\.1:\d+\/|not built \(run "npm run build"\))$/.test(r.msg),
    ),
  );
  assert.ok(records.some((r) => r.msg === 'demo login: username demo, secret demo'));
  const events = records.find((r) => r.msg.startsWith('live events:'));
  assert.equal(events?.msg, `live events: npx amikit events -p ${ami[0].port} -u demo -s demo`);
  assert.ok(records.some((r) => r.msg === 'SIGINT: shutting down'));

  // A terminal gets readable lines (in this process, with a stdout that says it is a TTY).
  const text = await inProcess(['serve', '--demo', ...DEMO_PORTS, ...QUICK], {
    stdoutIsTTY: true,
    until: (lines) => (lines.some((l) => /live events/.test(l)) ? 'SIGINT' : undefined),
  });
  assert.equal(text.code, 0, text.err.join('\n'));
  const lines = text.out.filter((l) => l !== '');
  for (const l of lines) assert.match(l, /^\d\d:\d\d:\d\d [A-Z]+(\[\w+\])?: \S/, l);
  assert.equal(lines.filter((l) => /AMI listening/.test(l)).length, 1);
  assert.ok(lines.some((l) => /INFO: demo login: username demo, secret demo$/.test(l)));
});

test('a busy port stops the start: one last line naming the listener, exit 1 (AMI, TLS, HTTP, SIP)', async () => {
  const tcp = await busyTcp();
  const udp = await busyUdp();
  const tls = conformanceConfigDir();
  const p = String(tcpPort(tcp));
  const u = String(udp.address().port);
  try {
    const cases: Array<[string[], string]> = [
      [['--demo', '--ami-port', p, '--http-port', '0', '--sip-port', '0'], `127.0.0.1:${p} (AMI)`],
      [['--demo', '--ami-port', '0', '--http-port', p, '--sip-port', '0'], `127.0.0.1:${p} (HTTP manager)`],
      [['--demo', '--ami-port', '0', '--http-port', '0', '--sip-port', u], `127.0.0.1:${u} (SIP over UDP)`],
      [
        ['--config', tls, '--ami-port', '0', '--tls-port', p, '--http-port', '0', '--sip-port', '0'],
        `127.0.0.1:${p} (AMI over TLS)`,
      ],
    ];
    // Each kind once: AMI and HTTP as processes (stdout and stderr in one file, in order), TLS and
    // SIP in this process; the formats alternate.
    for (const [i, [args, what]] of cases.entries()) {
      const format = i % 2 === 0 ? 'json' : 'text';
      const argv = ['serve', ...args, ...QUICK, '--log-format', format];
      const label = `${format} ${args.join(' ')}`;
      let code: number | null;
      let lines: string[];
      if (i < 2) ({ code, lines } = await amikitMerged(argv, { timeoutMs: 90000 }));
      else {
        const r = await inProcess(argv);
        code = r.code;
        lines = [...r.out, ...r.err.map((l) => `amikit: ${l.replace(/^amikit: /, '')}`)].filter(
          (l) => l !== '',
        );
      }
      assert.equal(code, 1, `${label}\n${lines.join('\n')}`);
      assert.equal(lines.at(-1), `amikit: cannot listen on ${what}: address in use`, label);
      const before = lines.slice(0, -1);
      assert.ok(!before.some((l) => /listening on (?!UDP)|demo login|cannot listen|\n\s+at /.test(l)), label);
      if (format === 'json') for (const l of before) JSON.parse(l);
      else for (const l of before) assert.match(l, /^\d\d:\d\d:\d\d [A-Z]+(\[\w+\])?: \S/, label);
    }
  } finally {
    tcp.close();
    udp.close();
    rmSync(tls, { recursive: true, force: true });
  }
});

test('a failed start closes what it had opened: the other ports are free again at once', async () => {
  const http = await busyTcp();
  // Two ports known to be free a moment ago, for the listeners that do open.
  const probe = await busyTcp();
  const amiPort = tcpPort(probe);
  probe.close();
  const probeUdp = await busyUdp();
  const sipPort = probeUdp.address().port;
  probeUdp.close();
  const dir = conformanceConfigDir();
  try {
    await assert.rejects(
      startAmikit({
        configDir: dir,
        amiPort,
        httpPort: tcpPort(http),
        sipPort,
        tlsPort: 0,
        logLevel: 'silent',
      }),
      (e: unknown) =>
        e instanceof ListenError &&
        e.listener === 'HTTP manager' &&
        e.code === 'EADDRINUSE' &&
        e.message === `cannot listen on 127.0.0.1:${tcpPort(http)} (HTTP manager): address in use`,
    );
    const again = createServer();
    await new Promise<void>((resolve, reject) => {
      again.once('error', reject);
      again.listen(amiPort, '127.0.0.1', () => resolve());
    });
    again.close();
    const againUdp = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      againUdp.once('error', reject);
      againUdp.bind(sipPort, '127.0.0.1', () => resolve());
    });
    againUdp.close();
  } finally {
    http.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('configuration directories that cannot serve: what is missing and what to do, exit non-zero', async () => {
  const empty = tempDir({});
  const off = tempDir({ 'manager.conf': '[general]\nenabled = no\n' });
  const amiOnly = tempDir({ 'manager.conf': '[general]\nenabled = yes\n[u]\nsecret = s\nread = all\n' });
  try {
    const cases: Array<[string[], number, RegExp]> = [
      [
        ['--config', join(empty, 'nope')],
        1,
        /^amikit: --config \S+nope: no such directory; .*amikit serve --demo/,
      ],
      [
        ['--config', empty],
        1,
        /^amikit: \S+ has no manager\.conf, so AMI is off .*enabled = yes.*amikit serve --demo/,
      ],
      [['--config', off], 1, /^amikit: \S+manager\.conf: \[general\] does not say "enabled = yes"/],
      [['--config', amiOnly, '--sip-port', '5060'], 2, /^amikit: --sip-port: there is no sip\.conf in /],
      [
        ['--config', amiOnly, '--http-port', '8088'],
        2,
        /^amikit: --http-port: the HTTP server is off .*no http\.conf/,
      ],
      [['--config', amiOnly, '--tls-port', '5039'], 2, /^amikit: --tls-port: AMI over TLS is off in /],
    ];
    for (const [args, code, message] of cases) {
      const r = await inProcess(['serve', ...args, ...QUICK]);
      assert.equal(r.code, code, `${args.join(' ')}: ${r.err.join('\n')}`);
      assert.deepEqual(r.out, [], args.join(' '));
      assert.equal(r.err.length, 1, r.err.join('\n'));
      assert.match(r.err[0], message);
    }
    // The same as a process: the line on stderr, nothing on stdout, the exit status.
    const r = await amikit(['serve', '--config', empty, ...QUICK]);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^amikit: \S+ has no manager\.conf, so AMI is off [^\n]*\n$/);
  } finally {
    for (const d of [empty, off, amiOnly]) rmSync(d, { recursive: true, force: true });
  }
});

test('a directory that names no address and has no sip.conf: AMI on loopback only, no SIP, no line 0', async () => {
  const dir = tempDir({
    'manager.conf': '[general]\nenabled = yes\nbogus = 1\n[u]\nsecret = s\nread = all\n',
  });
  try {
    const run = await inProcess(
      ['serve', '--config', dir, '--ami-port', '0', ...QUICK, '--log-format', 'text'],
      {
        until: (lines) => (lines.some((l) => /live events/.test(l)) ? 'SIGINT' : undefined),
      },
    );
    const r = { code: run.code, stdout: run.out.join('\n') + '\n', stderr: run.err.join('\n') };
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /INFO: AMI listening on 127\.0\.0\.1:\d+\n/);
    assert.match(r.stdout, /WARNING: \S+manager\.conf:3: Invalid keyword <bogus>/);
    assert.match(r.stdout, /WARNING: \S+http\.conf: No http\.conf: HTTP server disabled\n/);
    assert.doesNotMatch(r.stdout, /SIP|:0:|HTTP manager listening|web console|demo login/);
    assert.match(r.stdout, /live events: npx amikit events -p \d+ -u USER\n/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
