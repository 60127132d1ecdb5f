/**
 * What the engine's parts (members, strategies, ringing, announcements, statistics, the Queue()
 * caller flow) share: the telephony core, the configuration, the queues, and the two ways out,
 * events to the listeners and lines to queue_log. The QueueEngine is the one implementation.
 */
import type { Pbx } from '../../pbx/pbx.js';
import type { PenaltyRule, QueueGeneral } from './config.js';
import type { QueueEvent } from './engine-events.js';
import type { Queue } from './queue.js';

export interface QueueContext {
  readonly pbx: Pbx;
  readonly general: QueueGeneral;
  readonly rules: Map<string, PenaltyRule[]>;
  /** The queues by lower-case name, in creation order (list() gives container order). */
  readonly queues: Map<string, Queue>;
  /** Interfaces being rung by an attempt with ringinuse off (app_queue's pending_members). */
  readonly pending: Set<string>;
  /** Clock time in whole seconds. */
  now(): number;
  /** Queues in container order. */
  list(): Queue[];
  get(name: string): Queue | undefined;
  emit(e: QueueEvent): void;
  queueLog(queuename: string, callid: string, agent: string, event: string, data: string): void;
}

/** The results of the member and caller operations, as app_queue's RES_* codes. */
export type QueueResult = 'OK' | 'EXISTS' | 'NOSUCHQUEUE' | 'NOT_DYNAMIC' | 'NOT_CALLER';
