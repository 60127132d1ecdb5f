/**
 * Penalty rules (queuerules.conf): as a caller waits, each rule whose time has come moves the
 * caller's penalty window (absolutely or relatively) and sets the QUEUE_*_PENALTY variables.
 */
import { INT_MAX, type Caller } from './caller.js';
import type { QueueContext } from './context.js';

/** update_qe_rule: the caller's next rule applied. */
function updateRule(ctx: QueueContext, c: Caller): void {
  const pr = c.rules[c.ruleIdx];
  if (!pr) return;
  if (c.maxPenalty !== INT_MAX) {
    c.maxPenalty = Math.max(0, pr.maxRelative ? c.maxPenalty + pr.maxValue : pr.maxValue);
    ctx.pbx.setVar(c.channel, 'QUEUE_MAX_PENALTY', String(c.maxPenalty));
  }
  if (c.minPenalty !== INT_MAX) {
    let v = pr.minRelative ? c.minPenalty + pr.minValue : pr.minValue;
    v = Math.max(0, v);
    if (c.maxPenalty !== INT_MAX && v > c.maxPenalty) v = c.maxPenalty;
    c.minPenalty = v;
    ctx.pbx.setVar(c.channel, 'QUEUE_MIN_PENALTY', String(c.minPenalty));
  }
  if (c.raisePenalty !== INT_MAX) {
    c.raisePenalty = Math.max(0, pr.raiseRelative ? c.raisePenalty + pr.raiseValue : pr.raiseValue);
    ctx.pbx.setVar(c.channel, 'QUEUE_RAISE_PENALTY', String(c.raisePenalty));
  }
  c.raiseRespectMin = pr.raiseRespectMin;
  c.ruleIdx++;
}

/** Applies the penalty rules whose time has come. */
export function applyRules(ctx: QueueContext, c: Caller): void {
  while (c.ruleIdx < c.rules.length && ctx.now() - c.start > c.rules[c.ruleIdx].time) updateRule(ctx, c);
}
