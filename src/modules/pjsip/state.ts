/**
 * What res_pjsip holds at run time on top of pjsip.conf: contacts (the permanent ones an aor's
 * `contact =` makes, and later the ones REGISTER makes) with their qualify status, and the state of
 * each outbound registration. Knows nothing of AMI or of the wire.
 */
import { createHash } from 'node:crypto';
import { num, val, type PjObject, type PjsipConfig } from './config.js';

/** ast_sip_contact_status_type, by its AMI label (status_map). */
export type ContactStatusType = 'Unreachable' | 'Reachable' | 'Unknown' | 'NonQualified' | 'Removed';

/** short_status_map: the CLI's column. */
export const SHORT_STATUS: Record<ContactStatusType, string> = {
  Unreachable: 'Unavail',
  Reachable: 'Avail',
  Unknown: 'Unknown',
  NonQualified: 'NonQual',
  Removed: 'Removed',
};

export interface Contact {
  /** `aor@@md5(uri)` for permanent contacts, `aor;@md5(uri)` for registered ones. */
  id: string;
  aor: string;
  uri: string;
  permanent: boolean;
  /** Registered contacts: expiry (Unix seconds); 0 for permanent ones. */
  expiration: number;
  userAgent: string;
  viaAddr: string;
  viaPort: number;
  callId: string;
  path: string;
  endpointName: string;
  qualifyFrequency: number;
  qualifyTimeout: number;
  qualify2xxOnly: boolean;
  authenticateQualify: boolean;
  outboundProxy: string;
  status: ContactStatusType;
  /** Round-trip time of the last answered OPTIONS, microseconds. */
  rtt: number;
}

/** sip_outbound_registration_status_str. */
export type RegistrationStatus = 'Unregistered' | 'Registered' | 'Rejected' | 'Stopping' | 'Stopped';

export interface OutboundState {
  status: RegistrationStatus;
  /** registration_expires: Unix seconds (0 before any attempt). */
  expires: number;
  /** Unix seconds of the next REGISTER (0: none planned). */
  nextReg: number;
}

function md5(s: string): string {
  return createHash('md5').update(s).digest('hex');
}

export class PjsipState {
  readonly objects: Map<string, PjObject[]>;
  /** Contacts by aor id; permanent ones first, each group in id order. */
  private readonly contacts = new Map<string, Contact[]>();
  readonly outbound = new Map<string, OutboundState>();

  constructor(cfg: PjsipConfig) {
    this.objects = cfg.objects;
    for (const aor of this.list('aor')) {
      const list: Contact[] = [];
      for (const uri of aor.contacts) list.push(this.newContact(aor, uri, true));
      list.sort((a, b) => (a.uri < b.uri ? -1 : a.uri > b.uri ? 1 : 0));
      this.contacts.set(aor.id, list);
    }
    for (const r of this.list('registration'))
      this.outbound.set(r.id, { status: 'Unregistered', expires: 0, nextReg: 0 });
  }

  /**
   * A reload: the new objects; permanent contacts rebuilt from the aors (one that is still there
   * keeps its status), registered contacts kept while their aor exists, outbound registration state
   * kept by name. The caller removes (with events) the registered contacts of vanished aors first.
   */
  reload(cfg: PjsipConfig): void {
    const old = new Map(this.contacts);
    this.objects.clear();
    for (const [k, v] of cfg.objects) this.objects.set(k, v);
    this.contacts.clear();
    for (const aor of this.list('aor')) {
      const before = old.get(aor.id) ?? [];
      const list: Contact[] = [];
      for (const uri of aor.contacts) {
        const c = this.newContact(aor, uri, true);
        const was = before.find((x) => x.permanent && x.id === c.id);
        if (was) {
          c.status = was.status;
          c.rtt = was.rtt;
        }
        list.push(c);
      }
      list.sort((a, b) => (a.uri < b.uri ? -1 : a.uri > b.uri ? 1 : 0));
      list.push(...before.filter((x) => !x.permanent));
      this.contacts.set(aor.id, list);
    }
    const names = new Set(this.list('registration').map((r) => r.id));
    for (const n of [...this.outbound.keys()]) if (!names.has(n)) this.outbound.delete(n);
    for (const n of names)
      if (!this.outbound.has(n)) this.outbound.set(n, { status: 'Unregistered', expires: 0, nextReg: 0 });
  }

  newContact(aor: PjObject, uri: string, permanent: boolean): Contact {
    const freq = num(aor, 'qualify_frequency');
    return {
      id: permanent ? `${aor.id}@@${md5(uri)}` : `${aor.id};@${md5(uri)}`,
      aor: aor.id,
      uri,
      permanent,
      expiration: 0,
      userAgent: '',
      viaAddr: '',
      viaPort: 0,
      callId: '',
      path: '',
      endpointName: '',
      // A permanent contact's own fields keep their defaults (it is built from the URI alone);
      // a registered one copies the aor's qualify settings (ast_sip_location_create_contact).
      qualifyFrequency: permanent ? 0 : freq,
      qualifyTimeout: permanent ? 3 : Number(val(aor, 'qualify_timeout')),
      qualify2xxOnly: permanent ? false : val(aor, 'qualify_2xx_only') === 'true',
      authenticateQualify: permanent ? false : val(aor, 'authenticate_qualify') === 'true',
      outboundProxy: permanent ? '' : val(aor, 'outbound_proxy'),
      // ast_res_pjsip_find_or_create_contact_status: every new contact starts CREATED (its label is
      // NonQualified); a qualified aor's first OPTIONS turns it Reachable or Unreachable.
      status: 'NonQualified',
      rtt: 0,
    };
  }

  list(type: string): PjObject[] {
    return this.objects.get(type) ?? [];
  }

  /** Sorcery's retrieve-all: ordered by id. */
  sorted(type: string): PjObject[] {
    return [...this.list(type)].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  find(type: string, id: string): PjObject | undefined {
    return this.list(type).find((o) => o.id === id);
  }

  /** ast_sip_location_retrieve_aor_contacts: registered contacts, then the permanent ones. */
  contactsOf(aorId: string): Contact[] {
    const all = this.contacts.get(aorId) ?? [];
    return [...all.filter((c) => !c.permanent), ...all.filter((c) => c.permanent)];
  }

  allContacts(): Contact[] {
    return [...this.contacts.values()].flat();
  }

  /** Adds or replaces a registered contact of an aor. */
  putContact(c: Contact): void {
    const list = (this.contacts.get(c.aor) ?? []).filter((x) => x.id !== c.id);
    list.push(c);
    list.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    this.contacts.set(c.aor, list);
  }

  removeContact(c: Contact): void {
    this.contacts.set(
      c.aor,
      (this.contacts.get(c.aor) ?? []).filter((x) => x.id !== c.id),
    );
  }

  /** The aor names an endpoint lists (`aors = a,b`). */
  aorsOf(ep: PjObject): PjObject[] {
    return val(ep, 'aors')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s)
      .map((n) => this.find('aor', n))
      .filter((a): a is PjObject => a !== undefined);
  }

  authsOf(ep: PjObject, field: 'auth' | 'outbound_auth'): PjObject[] {
    return val(ep, field)
      .split(',')
      .filter((s) => s)
      .map((n) => this.find('auth', n))
      .filter((a): a is PjObject => a !== undefined);
  }

  identifiesOf(ep: PjObject): PjObject[] {
    return this.list('identify').filter((i) => val(i, 'endpoint') === ep.id);
  }

  /**
   * ast_sip_get_device_state without calls: an endpoint is online while one of its aors has a
   * contact that is not known to be unreachable (res_pjsip's endpoint state from contact statuses).
   */
  deviceState(ep: PjObject): string {
    for (const aor of this.aorsOf(ep))
      for (const c of this.contactsOf(aor.id))
        if (c.status === 'Reachable' || c.status === 'NonQualified') return 'Not in use';
    return 'Unavailable';
  }
}
