/**
 * A server on the recorded configuration with the telephony core attached, for the core tests.
 * The PBX runs on the real clock by default (replays), or on a VirtualClock the test drives.
 */
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../../src/testing/server.js';
import { conformanceConfigDir } from '../helpers/fixtures.js';
import { startPbxForConfig, type PbxConfigOptions, type RunningPbx } from '../../src/modules/core/index.js';
import type { Pbx } from '../../src/pbx/pbx.js';
import { loggedIn, type RawAmi } from '../../src/testing/raw-ami.js';

export interface CoreServer {
  srv: TestServer;
  core: RunningPbx;
  pbx: Pbx;
  port: number;
  login(user?: string, secret?: string, extra?: Array<[string, string]>): Promise<RawAmi>;
  dispose(): Promise<void>;
}

export async function startCoreServer(
  opts: PbxConfigOptions & {
    editManagerConf?: (text: string) => string;
    /** Text appended to configuration files (e.g. extensions.conf) before the PBX loads them. */
    append?: Record<string, string>;
  } = {},
): Promise<CoreServer> {
  const srv = await startTestServer({
    configDir: conformanceConfigDir(opts.editManagerConf),
    httpPort: 0,
    sip: false,
    core: false,
  });
  for (const [file, text] of Object.entries(opts.append ?? {}))
    appendFileSync(join(srv.configDir, file), text);
  const core = await startPbxForConfig(srv.configDir, srv.manager, opts);
  const clients: RawAmi[] = [];
  return {
    srv,
    core,
    pbx: core.pbx,
    port: srv.port,
    login: async (user = 'admin', secret = 'admin', extra: Array<[string, string]> = []) => {
      const c = await loggedIn(srv.port, user, secret, extra);
      clients.push(c);
      return c;
    },
    dispose: async () => {
      for (const c of clients) c.destroy();
      await core.stop();
      await srv.dispose();
    },
  };
}
