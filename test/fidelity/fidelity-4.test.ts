/** Shard 4 of the fidelity suite (fidelity-suite.ts). */
import { fidelityShard } from './fidelity-suite.js';

fidelityShard(4);
