/**
 * What happened in the queue domain, told to the engine's listeners (the module turns these into
 * AMI events; tests read them directly). Snapshots are taken when it happened.
 */
import type { ChannelSnapshot } from '../../pbx/channel.js';
import type { MemberView } from './member.js';
import type { Queue } from './queue.js';

export type QueueEvent =
  | {
      type:
        | 'MemberAdded'
        | 'MemberRemoved'
        | 'MemberPause'
        | 'MemberPenalty'
        | 'MemberRinginuse'
        | 'MemberStatus';
      queue: Queue;
      member: MemberView;
    }
  | { type: 'CallerJoin'; queue: Queue; caller: ChannelSnapshot; position: number; count: number }
  | { type: 'CallerLeave'; queue: Queue; caller: ChannelSnapshot; count: number; position: number }
  | {
      type: 'CallerAbandon';
      queue: Queue;
      caller: ChannelSnapshot;
      position: number;
      originalPosition: number;
      holdTime: number;
    }
  | {
      type: 'AgentCalled' | 'AgentDump';
      queue: Queue;
      caller: ChannelSnapshot;
      agent: ChannelSnapshot;
      member: MemberView;
    }
  | {
      type: 'AgentRingNoAnswer';
      queue: Queue;
      caller: ChannelSnapshot;
      agent: ChannelSnapshot;
      member: MemberView;
      ringTime: number;
    }
  | {
      type: 'AgentConnect';
      queue: Queue;
      caller: ChannelSnapshot;
      agent: ChannelSnapshot;
      member: MemberView;
      ringTime: number;
      holdTime: number;
    }
  | {
      type: 'AgentComplete';
      queue: Queue;
      caller: ChannelSnapshot;
      agent: ChannelSnapshot;
      member: MemberView;
      holdTime: number;
      talkTime: number;
      reason: 'caller' | 'agent' | 'transfer';
    };
