/** Where the fidelity scenarios, their configuration and their recordings live, and its users' secrets. */
import { join } from 'node:path';

export const FIDELITY_DIR = join(import.meta.dirname, '..', '..', '..', 'test', 'fixtures', 'fidelity');

/** Users of test/fixtures/fidelity/config/base/manager.conf and their secrets. */
export const FIDELITY_SECRETS: Record<string, string> = {
  admin: 'admin',
  hello: 'world',
  limited: 'limited',
  filtered: 'filtered',
  filtered2: 'filtered2',
  acluser: 'acluser',
  rcall: 'rcall',
  rsystem: 'rsystem',
  ragent: 'ragent',
  rdialplan: 'rdialplan',
  ruser: 'ruser',
  rreporting: 'rreporting',
  rcdr: 'rcdr',
  roriginate: 'roriginate',
  rnone: 'rnone',
};
