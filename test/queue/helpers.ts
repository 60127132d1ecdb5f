/** Queue tests: a PBX on a virtual clock with the queue module built from a queues.conf text. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfText } from '../../src/config/index.js';
import { VirtualClock } from '../../src/pbx/clock.js';
import { Pbx } from '../../src/pbx/pbx.js';
import { silentLogger } from '../../src/logger.js';
import { createQueueModule, type QueueModule } from '../../src/modules/queue/index.js';
import type { QueueEngine, QueueEvent } from '../../src/modules/queue/engine.js';
import { startTestServer, type TestServer } from '../../src/testing/server.js';
import { conformanceConfigDir } from '../helpers/fixtures.js';
import { loggedIn, type RawAmi } from '../../src/testing/raw-ami.js';

/** 2026-11-22 11:10:15 UTC, like the recordings. */
export const T0 = Date.UTC(2026, 10, 22, 11, 10, 15);
export const T0S = Math.floor(T0 / 1000);

export const DIALPLAN = `
[in]
exten => _q.,1,Queue(\${EXTEN:1})
 same => n,Hangup()
; Queue with a 5 s queue timeout, continuing after it
exten => _t.,1,Queue(\${EXTEN:1},,,,5)
 same => n,Set(RESULT=\${QUEUESTATUS})
 same => n,Hangup()
`;

export interface QueueWorld {
  pbx: Pbx;
  clock: VirtualClock;
  module: QueueModule;
  engine: QueueEngine;
  events: QueueEvent[];
  dir: string;
  logPath: string;
  /** `AgentCalled` interfaces in order. */
  called(): string[];
  /** A caller dials `q<queue>`; hangs up after `patienceMs` (waiting) or `talkMs` (answered). */
  call(
    queue: string,
    o?: {
      patienceMs?: number;
      talkMs?: number;
      from?: string;
      vars?: Record<string, string>;
      prefix?: string;
    },
  ): ReturnType<Pbx['incomingCall']>;
  close(): void;
}

export function makeWorld(
  queuesConf: string,
  o: { rules?: string; dir?: string; seed?: number; extensions?: string } = {},
): QueueWorld {
  const dir = o.dir ?? mkdtempSync(join(tmpdir(), 'amikit-queue-'));
  writeFileSync(join(dir, 'queues.conf'), queuesConf);
  writeFileSync(join(dir, 'queuerules.conf'), o.rules ?? '');
  const clock = new VirtualClock(T0);
  const pbx = new Pbx({
    clock,
    seed: o.seed ?? 7,
    dataDir: dir,
    dialplan: parseConfText(o.extensions ?? DIALPLAN, 'extensions.conf'),
    cdrCsv: { enabled: false },
  });
  const logPath = join(dir, 'queue_log');
  const module = createQueueModule(pbx, { configDir: dir, queueLogPath: logPath, log: silentLogger() });
  const events: QueueEvent[] = [];
  module.engine.on((e) => events.push(e));
  let n = 0;
  return {
    pbx,
    clock,
    module,
    engine: module.engine,
    events,
    dir,
    logPath,
    called: () =>
      events.filter((e) => e.type === 'AgentCalled').map((e) => ('member' in e ? e.member.interface : '')),
    call: (queue, c = {}) => {
      n++;
      const ch = pbx.incomingCall({
        from: c.from ?? `caller${n}`,
        exten: `${c.prefix ?? 'q'}${queue}`,
        context: 'in',
        callerIdNum: `55500${n}`,
        hangupAfterMs: c.patienceMs,
        talkTimeMs: c.talkMs,
      });
      for (const [k, v] of Object.entries(c.vars ?? {})) ch.vars.set(k, v);
      return ch;
    },
    close: () => {
      void module.stop?.();
      for (const ch of pbx.channels()) pbx.hangupNow(ch);
      pbx.close();
    },
  };
}

/**
 * amikit on the recorded configuration with the queue module added; the core runs on the real
 * clock, or on a virtual one with `virtual` (replays drive it through replayClock).
 */
export interface QueueServer {
  srv: TestServer;
  pbx: Pbx;
  module: QueueModule;
  port: number;
  login(user?: string, secret?: string, extra?: Array<[string, string]>): Promise<RawAmi>;
  dispose(): Promise<void>;
}

export async function startQueueServer(
  opts: { queueLogPath?: string; virtual?: boolean; buildInfo?: string } = {},
): Promise<QueueServer> {
  const srv = await startTestServer({
    configDir: conformanceConfigDir(),
    buildInfo: opts.buildInfo,
    virtualClock: opts.virtual,
    httpPort: 0,
    sip: false,
    queues: false,
  });
  if (!srv.core) throw new Error('the server was started without the telephony core');
  const pbx = srv.core.pbx;
  const module = createQueueModule(pbx, {
    configDir: srv.configDir,
    queueLogPath: opts.queueLogPath,
    log: silentLogger(),
  });
  await srv.manager.addModule(module);
  const clients: RawAmi[] = [];
  return {
    srv,
    pbx,
    module,
    port: srv.port,
    login: async (user = 'admin', secret = 'admin', extra: Array<[string, string]> = []) => {
      const c = await loggedIn(srv.port, user, secret, extra);
      clients.push(c);
      return c;
    },
    dispose: async () => {
      for (const c of clients) c.destroy();
      await srv.dispose();
    },
  };
}
