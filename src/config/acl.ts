/**
 * Asterisk ACLs (main/acl.c): permit/deny rule parsing (ast_append_ha) and matching (ast_apply_ha,
 * ast_apply_acl).
 */
import type { AclRule } from './types.js';
import { applyPrefix, formatIp, maskToPrefix, parseIp, parseSockAddr, unmapV4, type IpAddr } from './addr.js';

interface CompiledRule {
  allow: boolean;
  net: IpAddr;
  prefix: number;
}

function compile(rule: AclRule): CompiledRule | undefined {
  const slash = rule.cidr.lastIndexOf('/');
  const addr = parseIp(slash >= 0 ? rule.cidr.slice(0, slash) : rule.cidr);
  if (!addr) return undefined;
  const max = addr.v4 ? 32 : 128;
  const prefix = slash >= 0 ? Number(rule.cidr.slice(slash + 1)) : max;
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > max) return undefined;
  return { allow: rule.sense === 'permit', net: applyPrefix(addr, prefix), prefix };
}

function inNet(a: IpAddr, r: CompiledRule): boolean {
  const masked = applyPrefix(a, r.prefix);
  return masked.bytes.every((b, i) => b === r.net.bytes[i]);
}

/** One ast_ha list: start optimistic, every matching rule sets the answer, so the last match wins. */
function applyHa(rules: CompiledRule[], addr: IpAddr): boolean {
  // IPv4 rules also see IPv4-mapped IPv6 peers; IPv6 rules never see IPv4 (or mapped) peers.
  const v4view = unmapV4(addr);
  let allow = true;
  for (const r of rules) {
    if (r.net.v4) {
      if (!v4view.v4) continue;
      if (inNet(v4view, r)) allow = r.allow;
    } else {
      if (v4view.v4) continue;
      if (inNet(addr, r)) allow = r.allow;
    }
  }
  return allow;
}

export class Acl {
  private readonly lists: CompiledRule[][] = [];
  /** True when some rule text could not be compiled; such an ACL denies everything (fail closed). */
  readonly invalid: boolean = false;

  constructor(readonly rules: AclRule[]) {
    const byList = new Map<string, CompiledRule[]>();
    for (const rule of rules) {
      const c = compile(rule);
      if (!c) {
        this.invalid = true;
        continue;
      }
      const key = rule.list ?? '';
      let list = byList.get(key);
      if (!list) byList.set(key, (list = []));
      list.push(c);
    }
    this.lists = [...byList.values()];
  }

  /** Would Asterisk let a peer at `address` (text, e.g. '127.0.0.1' or '::ffff:127.0.0.1') in? */
  allows(address: string): boolean {
    if (this.rules.length === 0) return true;
    if (this.invalid) return false;
    let text = address;
    if (text.startsWith('[') && text.endsWith(']')) text = text.slice(1, -1);
    const addr = parseIp(text);
    if (!addr) return false;
    // ast_apply_acl: the user's own rules and every named ACL must each allow the address.
    return this.lists.every((rules) => applyHa(rules, addr));
  }
}

/** Leading integer as sscanf("%d") reads it, or undefined. */
function scanInt(s: string): number | undefined {
  const m = /^[\s]*([+-]?[0-9]+)/.exec(s);
  return m ? Number(m[1]) : undefined;
}

/**
 * Parse one `permit =` / `deny =` value (ast_append_ha): a comma list of `[!]addr[/mask]`, where mask is
 * a prefix length or a dotted/colon netmask; '!' inverts the sense. Returns the rules in order, or an
 * error text for the first bad item (Asterisk then flags the whole ACL as an error).
 */
export function parseHa(
  sense: 'permit' | 'deny',
  value: string,
  list?: string,
): { rules: AclRule[]; error?: string } {
  const rules: AclRule[] = [];
  for (const item of value.split(',')) {
    const slash = item.indexOf('/');
    let address = slash >= 0 ? item.slice(0, slash) : item;
    const mask = slash >= 0 ? item.slice(slash + 1) : undefined;
    let itemSense = sense;
    if (address.startsWith('!')) {
      itemSense = sense === 'permit' ? 'deny' : 'permit';
      address = address.slice(1);
    }
    const parsed = parseSockAddr(address, 'forbid');
    if (!parsed) return { rules, error: `Invalid IP address: ${address}` };
    const addr = unmapV4(parsed.addr);
    const max = addr.v4 ? 32 : 128;
    let prefix: number | undefined;
    if (mask === undefined) prefix = max;
    else if (mask.includes(':') || mask.includes('.')) {
      const m = parseSockAddr(mask, 'forbid');
      if (!m) return { rules, error: `Invalid netmask: ${mask}` };
      const mm = unmapV4(m.addr);
      if (mm.v4 !== addr.v4) return { rules, error: 'Address and mask are not using same address scheme.' };
      prefix = maskToPrefix(mm);
      // Asterisk accepts any bit pattern here; a CIDR rule cannot express a non-contiguous one.
      if (prefix === undefined) return { rules, error: `Non-contiguous netmask not supported: ${mask}` };
    } else {
      prefix = scanInt(mask);
      if (prefix === undefined || prefix < 0 || prefix > max) {
        return { rules, error: `Invalid CIDR netmask: ${mask}` };
      }
    }
    const net = applyPrefix(addr, prefix);
    const rule: AclRule = { sense: itemSense, cidr: `${formatIp(net)}/${prefix}` };
    if (list) rule.list = list;
    rules.push(rule);
  }
  return { rules };
}

/** Rules that refuse every address: what an undefined named ACL does in Asterisk (is_invalid). */
export function denyAllRules(list: string): AclRule[] {
  return [
    { sense: 'deny', cidr: '0.0.0.0/0', list },
    { sense: 'deny', cidr: '::/0', list },
  ];
}
