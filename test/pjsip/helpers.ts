/**
 * Shared pieces of the PJSIP tests: a server on a copy of the 22.10.1 recorded configuration
 * (test/fixtures/conformance-22/config) with the PJSIP module added on an ephemeral loopback UDP
 * port, and the Asterisk 22 versions a client sees.
 *
 * Until the Asterisk 22 release profile lands in src/profiles, the test builds its own from the 20
 * one with 22's versions: the PJSIP actions and events are documented in both releases' specs.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestServer, configDirWithTestCertificate, type TestServer } from '../../src/testing/server.js';
import { ASTERISK_20, type ReleaseProfile } from '../../src/profiles/index.js';
import { createPjsipModule, type PjsipModule } from '../../src/modules/pjsip/index.js';
import { silentLogger } from '../../src/logger.js';
import { FIXTURES } from '../helpers/fixtures.js';

export const CONFORMANCE_22_DIR = join(FIXTURES, 'conformance-22');

export const TEST_PROFILE_22: ReleaseProfile = {
  ...ASTERISK_20,
  id: '22-test',
  asteriskVersion: '22.10.1',
  amiVersion: '11.0.0',
  modules: ASTERISK_20.modules.filter((m) => m !== 'chan_sip'),
};

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
