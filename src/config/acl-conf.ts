/**
 * Named ACLs from acl.conf (main/named_acl.c): every section but [general] is an ACL made of
 * permit/deny lines. The file is read through the config framework, where any bad line fails the
 * whole file; then every `acl = name` is undefined and refuses all addresses.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { AclRule, ConfDocument, ConfWarning } from './types.js';
import { parseConfFile } from './conf-parser.js';
import { parseHa } from './acl.js';

export interface NamedAcls {
  /** Rules by ACL name (case-sensitive, as Asterisk's container compares), each tagged with `list`. */
  acls: Map<string, AclRule[]>;
  warnings: ConfWarning[];
}

export function parseAclConf(doc: ConfDocument): NamedAcls {
  const acls = new Map<string, AclRule[]>();
  const warnings: ConfWarning[] = [...doc.warnings];
  for (const section of doc.sections) {
    if (section.name.toLowerCase() === 'general') continue;
    if (acls.has(section.name)) continue;
    const rules: AclRule[] = [];
    for (const e of section.entries) {
      const k = e.key.toLowerCase();
      if (k !== 'permit' && k !== 'deny') {
        warnings.push({
          file: e.file,
          line: e.line,
          message: `Unknown option '${e.key}' in ACL '${section.name}'`,
        });
        return { acls: new Map(), warnings: failed(warnings, doc.file) };
      }
      const res = parseHa(k, e.value, section.name);
      if (res.error) {
        warnings.push({ file: e.file, line: e.line, message: `${res.error} in ACL '${section.name}'` });
        return { acls: new Map(), warnings: failed(warnings, doc.file) };
      }
      rules.push(...res.rules);
    }
    acls.set(section.name, rules);
  }
  return { acls, warnings };
}

function failed(warnings: ConfWarning[], file: string): ConfWarning[] {
  warnings.push({
    file,
    line: 0,
    message: 'acl.conf rejected: every named ACL is undefined and refuses all',
  });
  return warnings;
}

/** acl.conf of `dir`, or undefined when there is none. */
export function loadAclConf(dir: string): NamedAcls | undefined {
  const path = join(dir, 'acl.conf');
  if (!existsSync(path)) return undefined;
  return parseAclConf(parseConfFile(path, { baseDir: dir }));
}
