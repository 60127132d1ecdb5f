/** Shard 1 of the fidelity suite (fidelity-suite.ts). */
import { fidelityShard } from './fidelity-suite.js';

fidelityShard(1);
