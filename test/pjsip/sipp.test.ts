/**
 * sipp (Debian `sip-tester`) as a real phone against the PJSIP module: it registers with digest to
 * an endpoint, answers the qualify OPTIONS, and unregisters, with ContactStatus events on AMI in
 * Asterisk's order (created NonQualified, Reachable, Removed); a NOTIFY from PJSIPNotify reaches
 * sipp; amikit registers outbound to a sipp registrar. Skipped, with a message, without sipp.
 * The scenarios are chan_sip's (test/sip/scenarios): a phone does not care which driver answers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { freeUdpPort } from '../../src/testing/sip-stub.js';
import { sippPath, waitFor, sleep, AmiConn, hdr } from '../sip/helpers.js';
import { skipUnless } from '../helpers/require.js';
import { startPjsipServer, type PjsipTestServer } from './helpers.js';

const SIPP = sippPath();
const SKIP = skipUnless(
  'sipp',
  SIPP !== null,
  'sipp is not installed (Debian package sip-tester): PJSIP interop tests skipped',
);
const SCEN = join(import.meta.dirname, '..', 'sip', 'scenarios');

interface SippRun {
  proc: ChildProcess;
  done: Promise<number>;
  stderr: () => string;
}

function runSipp(args: string[]): SippRun {
  const proc = spawn(SIPP as string, [...args, '-nostdin', '-timeout', '25s', '-timeout_error'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  proc.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const done = new Promise<number>((r) => proc.on('exit', (code) => r(code ?? -1)));
  return { proc, done, stderr: () => err };
}

async function finish(run: SippRun, ms = 25_000): Promise<number> {
  const t = setTimeout(() => run.proc.kill('SIGKILL'), ms);
  const code = await run.done;
  clearTimeout(t);
  return code;
}

const PHONE = [
  '',
  '[sipp-1]',
  'type = endpoint',
  'context = default',
  'disallow = all',
  'allow = ulaw',
  'auth = sipp-1',
  'aors = sipp-1',
  '',
  '[sipp-1]',
  'type = auth',
  'username = sipp-1',
  'password = sippsecret',
  '',
  '[sipp-1]',
  'type = aor',
  'max_contacts = 1',
  'qualify_frequency = 30',
  '',
].join('\n');

test('a sipp phone registers with digest, is qualified, and unregisters', { skip: SKIP }, async () => {
  let env: PjsipTestServer | undefined;
  let ami: AmiConn | undefined;
  try {
    env = await startPjsipServer((t) => t + PHONE);
    ami = await AmiConn.open(env.srv.port);
    const sipPort = env.pjsip.address().port;
    const phonePort = await freeUdpPort();
    const run = runSipp([
      `127.0.0.1:${sipPort}`,
      '-sf',
      join(SCEN, 'uac-register.xml'),
      '-s',
      'sipp-1',
      '-au',
      'sipp-1',
      '-ap',
      'sippsecret',
      '-aa',
      '-m',
      '1',
      '-i',
      '127.0.0.1',
      '-p',
      String(phonePort),
    ]);
    const a = ami;
    const statuses = (): string[] =>
      a
        .events('ContactStatus')
        .filter((m) => hdr(m, 'AOR') === 'sipp-1')
        .map((m) => hdr(m, 'ContactStatus') ?? '');
    await waitFor(() => statuses().includes('Reachable'), 5000, 'ContactStatus Reachable');
    const reach = a.events('ContactStatus').find((m) => hdr(m, 'ContactStatus') === 'Reachable')!;
    assert.equal(hdr(reach, 'URI'), `sip:sipp-1@127.0.0.1:${phonePort}`);
    assert.equal(hdr(reach, 'EndpointName'), 'sipp-1');
    assert.ok(Number(hdr(reach, 'RoundtripUsec')) > 0);

    const contacts = await a.action(
      { Action: 'PJSIPShowContacts' },
      (m) => hdr(m, 'Event') === 'ContactListComplete',
    );
    const c = contacts.find((m) => hdr(m, 'Event') === 'ContactList')!;
    assert.equal(hdr(c, 'UserAgent'), 'sipp-amikit-test');
    assert.equal(hdr(c, 'Status'), 'Reachable');

    const code = await finish(run);
    assert.equal(code, 0, `sipp failed: ${run.stderr()}`);
    await waitFor(() => statuses().includes('Removed'), 3000, 'ContactStatus Removed');
    assert.deepEqual(statuses(), ['NonQualified', 'Reachable', 'Removed']);
    assert.deepEqual(
      a
        .events('PeerStatus')
        .filter((m) => hdr(m, 'Peer') === 'PJSIP/sipp-1')
        .map((m) => hdr(m, 'PeerStatus')),
      ['Reachable', 'Unreachable'],
    );
  } finally {
    ami?.close();
    await env?.dispose();
  }
});

test('PJSIPNotify sends a NOTIFY that sipp receives', { skip: SKIP }, async () => {
  let env: PjsipTestServer | undefined;
  let ami: AmiConn | undefined;
  const port = await freeUdpPort();
  const run = runSipp([
    '-sf',
    join(SCEN, 'uas-notify.xml'),
    '-m',
    '1',
    '-i',
    '127.0.0.1',
    '-p',
    String(port),
  ]);
  try {
    await sleep(300);
    env = await startPjsipServer((t) => t.replaceAll('127.0.0.1:15064', `127.0.0.1:${port}`));
    ami = await AmiConn.open(env.srv.port);
    const [res] = await ami.action({
      Action: 'PJSIPNotify',
      Endpoint: 'test-203',
      Variable: ['Event=check-sync', 'X-Amikit-Test=42'],
    });
    assert.equal(hdr(res, 'Message'), 'NOTIFY sent');
    const code = await finish(run);
    assert.equal(code, 0, `sipp failed: ${run.stderr()}`);
  } finally {
    run.proc.kill('SIGKILL');
    ami?.close();
    await env?.dispose();
  }
});

test('amikit registers outbound to a sipp registrar (digest with qop)', { skip: SKIP }, async () => {
  let env: PjsipTestServer | undefined;
  let ami: AmiConn | undefined;
  const port = await freeUdpPort();
  const run = runSipp([
    '-sf',
    join(SCEN, 'uas-registrar.xml'),
    '-m',
    '1',
    '-i',
    '127.0.0.1',
    '-p',
    String(port),
  ]);
  try {
    await sleep(300);
    env = await startPjsipServer((t) => t.replaceAll('127.0.0.1:15070', `127.0.0.1:${port}`), {
      random: () => 0,
    });
    ami = await AmiConn.open(env.srv.port);
    const a = ami;
    await waitFor(
      () => a.events('Registry').some((m) => hdr(m, 'Status') === 'Registered'),
      8000,
      'Registered',
    );
    const ev = a.events('Registry').find((m) => hdr(m, 'Status') === 'Registered')!;
    assert.equal(hdr(ev, 'ChannelType'), 'PJSIP');
    assert.equal(hdr(ev, 'Username'), `sip:refuser@127.0.0.1:${port}`);
    const list = await a.action(
      { Action: 'PJSIPShowRegistrationsOutbound' },
      (m) => hdr(m, 'Event') === 'OutboundRegistrationDetailComplete',
    );
    assert.equal(
      hdr(
        list.find((m) => hdr(m, 'ObjectName') === 'refuser')!,
        'Status',
      ),
      'Registered',
    );
    // The registrar granted 60 s: the next REGISTER is planned 10 s before that.
    const next = Number(
      hdr(
        list.find((m) => hdr(m, 'ObjectName') === 'refuser')!,
        'NextReg',
      ),
    );
    assert.ok(next > 40 && next <= 50, `NextReg ${next}`);
    const code = await finish(run);
    assert.equal(code, 0, `sipp failed: ${run.stderr()}`);
  } finally {
    run.proc.kill('SIGKILL');
    ami?.close();
    await env?.dispose();
  }
});
