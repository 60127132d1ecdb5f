/**
 * AMI privilege classes (EVENT_FLAG_* in Asterisk) and their text forms, with Asterisk's own quirks:
 * get_perm() matches every item of a comma list but the last by prefix of the item's length
 * (ast_instring), and authority_to_str() always appends "all" for a non-zero mask.
 */
import { astFalse, astTrue } from './cstr.js';
export const PERMS: ReadonlyArray<readonly [name: string, bit: number]> = [
  ['system', 1],
  ['call', 2],
  ['log', 4],
  ['verbose', 8],
  ['command', 16],
  ['agent', 32],
  ['user', 64],
  ['config', 128],
  ['dtmf', 256],
  ['reporting', 512],
  ['cdr', 1024],
  ['dialplan', 2048],
  ['originate', 4096],
  ['agi', 8192],
  ['cc', 32768],
  ['aoc', 65536],
  ['test', 131072],
  ['security', 262144],
  ['message', 1073741824],
  ['all', 0x7fffffff],
  ['none', 0],
];

export const EVENT_FLAG = {
  SYSTEM: 1,
  CALL: 2,
  LOG: 4,
  VERBOSE: 8,
  COMMAND: 16,
  AGENT: 32,
  USER: 64,
  CONFIG: 128,
  DTMF: 256,
  REPORTING: 512,
  CDR: 1024,
  DIALPLAN: 2048,
  ORIGINATE: 4096,
  AGI: 8192,
  HOOKRESPONSE: 16384,
  CC: 32768,
  AOC: 65536,
  TEST: 131072,
  SECURITY: 262144,
  MESSAGE: 1073741824,
  ALL: 0x7fffffff,
} as const;

/** Asterisk's ast_instring(): is `small` an item of the `delim`-separated `big`? (prefix quirk kept) */
function inString(big: string, small: string, delim: string): boolean {
  let val = 0;
  for (;;) {
    const next = big.indexOf(delim, val);
    if (next >= 0) {
      // strncmp(val, small, next - val): compares only the item's length of `small`
      const item = big.slice(val, next);
      if (small.slice(0, item.length) === item) return true;
      val = next + 1;
      if (val >= big.length) return false;
    } else {
      return small === big.slice(val);
    }
  }
}

/** manager.conf read=/write= value to a mask (get_perm). */
export function getPerm(list: string | undefined): number {
  if (list === undefined) return 0;
  let ret = 0;
  for (const [name, bit] of PERMS) if (inString(list, name, ',')) ret |= bit;
  return ret;
}

/**
 * Events:/EventMask: value to a mask (strings_to_mask): empty is -1 (invalid), digits are a number,
 * false words 0, true words every class, otherwise a class list.
 */
export function stringsToMask(s: string): number {
  if (s.length === 0) return -1;
  if (/^[0-9]+$/.test(s)) return Number.parseInt(s, 10) | 0;
  if (astFalse(s)) return 0;
  if (astTrue(s)) {
    let ret = 0;
    for (const [, bit] of PERMS) ret |= bit;
    return ret;
  }
  return getPerm(s);
}

const authorityText = new Map<number, string>();

/** A mask in text form, as in `Privilege:` and ListCommands (authority_to_str); computed once per mask. */
export function authorityToString(mask: number): string {
  let text = authorityText.get(mask);
  if (text === undefined) {
    text = buildAuthorityString(mask);
    if (authorityText.size < 4096) authorityText.set(mask, text);
  }
  return text;
}

function buildAuthorityString(mask: number): string {
  const parts: string[] = [];
  for (let i = 0; i < PERMS.length - 1; i++) {
    const [name, bit] = PERMS[i];
    if (mask & bit) parts.push(name);
  }
  return parts.length ? parts.join(',') : '<none>';
}
