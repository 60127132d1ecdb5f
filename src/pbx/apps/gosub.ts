/**
 * Gosub([[context,]exten,]priority[(arg1[,...])]), GosubIf(cond?target[:target]) and Return([value])
 * (app_stack): the return address is the next priority; arguments arrive as ARG1..ARGn (with VarSet),
 * Return sets GOSUB_RETVAL.
 */
import { expressionTruthy } from '../expr.js';
import { splitArgs } from '../functions.js';
import type { AppContext, AppResult } from './registry.js';

function gosubTo(ctx: AppContext, spec: string): AppResult {
  const { pbx, channel: ch } = ctx;
  const open = spec.indexOf('(');
  const target = open < 0 ? spec : spec.slice(0, open);
  const args = open < 0 ? [] : splitArgs(spec.slice(open + 1, spec.lastIndexOf(')')));
  const parts = splitArgs(target).map((s) => s.trim());
  let context = ch.context;
  let exten = ch.exten;
  let prio: string;
  if (parts.length >= 3) [context, exten, prio] = parts;
  else if (parts.length === 2) [exten, prio] = parts;
  else prio = parts[0] ?? '1';
  let priority = Number(prio);
  if (!Number.isInteger(priority)) {
    const found = pbx.dialplan.findLabel(context, exten, prio, ch.callerIdNum);
    if (found === undefined) {
      pbx.log('ERROR', `Gosub: label '${prio}' not found in ${context},${exten}`);
      return -1;
    }
    priority = found;
  }
  if (!pbx.dialplan.exists(context, exten, priority, ch.callerIdNum)) {
    pbx.log(
      'ERROR',
      `Attempt to reach a non-existent destination for Gosub: (Context:${context}, Extension:${exten}, Priority:${priority})`,
    );
    return -1;
  }
  ch.gosubStack.push({ context: ch.context, exten: ch.exten, priority: ch.priority + 1, args: args.length });
  args.forEach((a, i) => pbx.setVar(ch, `ARG${i + 1}`, a));
  pbx.setLocation(ch, context, exten, priority);
  return 'jump';
}

export function gosubApp(ctx: AppContext, data: string): AppResult {
  return gosubTo(ctx, data);
}

export function gosubIfApp(ctx: AppContext, data: string): AppResult {
  const q = data.indexOf('?');
  if (q < 0) return 0;
  const rest = data.slice(q + 1);
  // Split at the ':' that is not inside parentheses.
  let depth = 0;
  let cut = -1;
  for (let i = 0; i < rest.length; i++) {
    if (rest[i] === '(') depth++;
    else if (rest[i] === ')') depth--;
    else if (rest[i] === ':' && depth === 0) {
      cut = i;
      break;
    }
  }
  const t = cut < 0 ? rest : rest.slice(0, cut);
  const f = cut < 0 ? '' : rest.slice(cut + 1);
  const target = expressionTruthy(data.slice(0, q).trim()) ? t : f;
  return target.trim() ? gosubTo(ctx, target) : 0;
}

export function returnApp({ pbx, channel: ch }: AppContext, data: string): AppResult {
  const frame = ch.gosubStack.pop();
  if (!frame) {
    pbx.log('ERROR', 'Return without Gosub: stack is empty');
    return -1;
  }
  pbx.setVar(ch, 'GOSUB_RETVAL', data);
  pbx.setLocation(ch, frame.context, frame.exten, frame.priority);
  return 'jump';
}
