/**
 * The loopback SIP stub beside a recording Asterisk: answers every request on the given UDP ports
 * with 200 OK for a while (test-202 and test-203 of the fidelity configuration).
 *
 *   node --import tsx scripts/fidelity/sip-stub.ts [--ports 15062,15064] [--seconds 300]
 */
import { parseArgs } from 'node:util';
import { startStub } from '../../src/testing/sip-stub.js';

const { values } = parseArgs({
  options: { ports: { type: 'string', default: '15062,15064' }, seconds: { type: 'string', default: '300' } },
});
const stub = await startStub((values.ports ?? '').split(',').map(Number));
setTimeout(() => void stub.close(), Number(values.seconds) * 1000);
