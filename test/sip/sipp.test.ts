/**
 * Real SIP against amikit with sipp (Debian package `sip-tester`): a phone registers with digest
 * auth, answers the qualify OPTIONS and unregisters; amikit registers to a sipp registrar; a NOTIFY
 * from SIPnotify reaches sipp. Skipped, with a message, when sipp is not installed (a failure where
 * AMIKIT_REQUIRE names sipp, as in CI).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { freeUdpPort } from '../../src/testing/sip-stub.js';
import { sippPath, startSipServer, waitFor, sleep, AmiConn, hdr, type SipTestServer } from './helpers.js';
import { skipUnless } from '../helpers/require.js';

const SIPP = sippPath();
const SKIP = skipUnless(
  'sipp',
  SIPP !== null,
  'sipp is not installed (Debian package sip-tester): SIP interop tests skipped',
);
const SCEN = join(import.meta.dirname, 'scenarios');

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

test('a sipp phone registers with digest auth, is qualified, and unregisters', { skip: SKIP }, async () => {
  let env: SipTestServer | undefined;
  let ami: AmiConn | undefined;
  try {
    env = await startSipServer(
      (t) => t + '\n[sipp-1]\ntype = friend\nhost = dynamic\nsecret = sippsecret\nqualify = yes\n',
    );
    ami = await AmiConn.open(env.srv.port);
    const sipPort = env.sip.address().port;
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
    const peerStatus = (s: string): boolean =>
      a.events('PeerStatus').some((m) => hdr(m, 'Peer') === 'SIP/sipp-1' && hdr(m, 'PeerStatus') === s);
    await waitFor(() => peerStatus('Registered'), 5000, 'PeerStatus Registered');
    const reg = a.events('PeerStatus').find((m) => hdr(m, 'PeerStatus') === 'Registered');
    assert.equal(hdr(reg ?? [], 'Address'), `127.0.0.1:${phonePort}`);
    assert.equal(hdr(reg ?? [], 'Privilege'), 'system,all');
    await waitFor(() => peerStatus('Reachable'), 5000, 'PeerStatus Reachable');

    const peers = await a.action({ Action: 'SIPpeers' }, (m) => hdr(m, 'Event') === 'PeerlistComplete');
    const entry = peers.find((m) => hdr(m, 'ObjectName') === 'sipp-1');
    assert.ok(entry, 'sipp-1 listed');
    assert.equal(hdr(entry, 'IPaddress'), '127.0.0.1');
    assert.equal(hdr(entry, 'IPport'), String(phonePort));
    assert.equal(hdr(entry, 'Dynamic'), 'yes');
    assert.match(hdr(entry, 'Status') ?? '', /^OK \(\d+ ms\)$/);

    const [show] = await a.action({ Action: 'SIPshowpeer', Peer: 'sipp-1' });
    assert.equal(hdr(show, 'Response'), 'Success');
    assert.equal(hdr(show, 'Reg-Contact'), `sip:sipp-1@127.0.0.1:${phonePort}`);
    assert.equal(hdr(show, 'SIP-Useragent'), 'sipp-amikit-test');
    assert.equal(hdr(show, 'Address-Port'), String(phonePort));
    assert.match(hdr(show, 'RegExpire') ?? '', /^1[23]\d seconds$/);
    assert.ok(env.devstates.some(([d, s]) => d === 'SIP/sipp-1' && s === 'NOT_INUSE'));

    const code = await finish(run);
    assert.equal(code, 0, `sipp failed: ${run.stderr()}`);
    await waitFor(() => peerStatus('Unregistered'), 3000, 'PeerStatus Unregistered');
    const unreg = a.events('PeerStatus').find((m) => hdr(m, 'PeerStatus') === 'Unregistered');
    assert.equal(hdr(unreg ?? [], 'Cause'), 'Expired');
    const [after] = await a.action({ Action: 'SIPshowpeer', Peer: 'sipp-1' });
    assert.equal(hdr(after, 'Address-IP'), '(null)');
    assert.equal(hdr(after, 'Status'), 'UNKNOWN');
    assert.deepEqual(
      env.devstates.filter(([d]) => d === 'SIP/sipp-1').map(([, s]) => s),
      ['UNAVAILABLE', 'NOT_INUSE', 'UNAVAILABLE'],
    );
  } finally {
    ami?.close();
    await env?.dispose();
  }
});

test('amikit registers to a sipp registrar (register =>, digest with qop)', { skip: SKIP }, async () => {
  let env: SipTestServer | undefined;
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
    env = await startSipServer((t) => t.replace('@127.0.0.1:15070/9999', `@127.0.0.1:${port}/9999`));
    ami = await AmiConn.open(env.srv.port);
    const a = ami;
    await waitFor(
      () => a.events('Registry').some((m) => hdr(m, 'Status') === 'Registered'),
      8000,
      'Registry Registered',
    );
    const ev = a.events('Registry').find((m) => hdr(m, 'Status') === 'Registered') ?? [];
    assert.deepEqual(ev, [
      ['Event', 'Registry'],
      ['Privilege', 'system,all'],
      ['ChannelType', 'SIP'],
      ['Username', 'refuser'],
      ['Domain', '127.0.0.1'],
      ['Status', 'Registered'],
    ]);
    const list = await a.action(
      { Action: 'SIPshowregistry' },
      (m) => hdr(m, 'Event') === 'RegistrationsComplete',
    );
    const entry = list.find((m) => hdr(m, 'Event') === 'RegistryEntry') ?? [];
    assert.equal(hdr(entry, 'State'), 'Registered');
    assert.equal(hdr(entry, 'Port'), String(port));
    assert.equal(hdr(entry, 'Refresh'), '45');
    assert.ok(Number(hdr(entry, 'RegistrationTime')) > 1_700_000_000);
    const code = await finish(run);
    assert.equal(code, 0, `sipp failed: ${run.stderr()}`);
  } finally {
    run.proc.kill('SIGKILL');
    ami?.close();
    await env?.dispose();
  }
});

test('SIPnotify sends a NOTIFY that sipp receives', { skip: SKIP }, async () => {
  let env: SipTestServer | undefined;
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
    env = await startSipServer(
      (t) => t + `\n[sipp-notify]\ntype = friend\nhost = 127.0.0.1\nport = ${port}\nqualify = no\n`,
    );
    ami = await AmiConn.open(env.srv.port);
    const [res] = await ami.action({
      Action: 'SIPnotify',
      Channel: 'SIP/sipp-notify',
      Variable: ['Event=check-sync', 'X-Amikit-Test=42'],
    });
    assert.equal(hdr(res, 'Response'), 'Success');
    assert.equal(hdr(res, 'Message'), 'Notify Sent');
    const code = await finish(run);
    assert.equal(code, 0, `sipp failed: ${run.stderr()}`);
  } finally {
    run.proc.kill('SIGKILL');
    ami?.close();
    await env?.dispose();
  }
});
