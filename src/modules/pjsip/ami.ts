/**
 * The PJSIP module's AMI actions (pjsip_manager.xml's registrations with the privileges res_pjsip
 * passes): the PJSIPShow* lists, PJSIPQualify, PJSIPRegister / PJSIPUnregister and PJSIPNotify,
 * with Asterisk's texts (several of its errors end in a bare LF inside the value).
 */
import type { ActionContext } from '../../manager/context.js';
import type { ActionSpec } from '../../manager/action.js';
import type { Logger } from '../../logger.js';
import { val } from './config.js';
import type { PjsipState } from './state.js';
import type { OutboundRegistrations } from './registration.js';
import { buildNotify, type NotifyContent, type NotifyItems } from './notify.js';
import {
  aorDetailFields,
  contactListFields,
  contactStatusDetailFields,
  endpointDetailFields,
  endpointListFields,
  inboundRegistrationFields,
  objectFields,
  outboundRegistrationFields,
  withEndpoint,
} from './format.js';

export interface PjsipAmiEnv {
  state: PjsipState;
  outbound: OutboundRegistrations;
  /** pjsip_notify.conf's options. */
  notifyOptions: ReadonlyMap<string, NotifyItems>;
  log: Logger;
  /** OPTIONS to every contact of the endpoint's aors now; false when there is no such endpoint. */
  qualifyEndpoint(name: string): boolean;
  /** One NOTIFY to a URI; false when the URI has no usable address. */
  sendNotify(uri: string, n: NotifyContent): boolean;
}

/** PJSIP error messages end with a bare LF inside the value (astman_send_error_va with "\n"). */
function errorLf(ctx: ActionContext, message: string): void {
  ctx.append('Response: Error\r\n' + ctx.idLine() + 'Message: ' + message + '\n\r\n\r\n');
}

/** astman_get_variables_order(ORDER_NATURAL): every Variable header, comma lists split, name=value. */
function notifyVariables(lines: string[]): NotifyItems {
  const out: NotifyItems = [];
  for (const line of lines)
    for (const item of line.split(',')) {
      const eq = item.indexOf('=');
      if (eq > 0) out.push([item.slice(0, eq), item.slice(eq + 1)]);
    }
  return out;
}

export function pjsipActions(env: PjsipAmiEnv): ActionSpec[] {
  const actions: ActionSpec[] = [
    {
      name: 'PJSIPShowEndpoints',
      privilege: ['system'],
      list: true,
      handler: (ctx) => {
        const eps = env.state.sorted('endpoint');
        if (!eps.length) return errorLf(ctx, 'No endpoints found');
        ctx.listStart('A listing of Endpoints follows, presented as EndpointList events');
        for (const ep of eps) ctx.listItem('EndpointList', endpointListFields(env.state, ep));
        ctx.listComplete('EndpointListComplete', eps.length);
      },
    },
    {
      name: 'PJSIPShowEndpoint',
      privilege: ['system'],
      list: true,
      handler: (ctx) => {
        const name = ctx.get('Endpoint');
        if (!name) return errorLf(ctx, 'PJSIPShowEndpoint requires an endpoint name');
        const ep = env.state.find('endpoint', name);
        if (!ep) return errorLf(ctx, `Unable to retrieve endpoint ${name}`);
        ctx.listStart('Following are Events for each object associated with the Endpoint');
        let n = 0;
        const item = (event: string, fields: Array<[string, string]>): void => {
          ctx.listItem(event, fields);
          n++;
        };
        item('EndpointDetail', endpointDetailFields(env.state, ep));
        for (const a of env.state.authsOf(ep, 'auth'))
          item('AuthDetail', withEndpoint(objectFields(a), ep.id));
        for (const a of env.state.authsOf(ep, 'outbound_auth'))
          item('AuthDetail', withEndpoint(objectFields(a), ep.id));
        const t = env.state.find('transport', val(ep, 'transport'));
        if (t) item('TransportDetail', withEndpoint(objectFields(t), ep.id));
        for (const aor of env.state.aorsOf(ep)) {
          item('AorDetail', aorDetailFields(env.state, aor, ep.id));
          for (const c of env.state.contactsOf(aor.id))
            item('ContactStatusDetail', contactStatusDetailFields(c, ep.id));
        }
        for (const i of env.state.identifiesOf(ep))
          item('IdentifyDetail', withEndpoint(objectFields(i), ep.id));
        ctx.listComplete('EndpointDetailComplete', n);
      },
    },
    {
      name: 'PJSIPShowAors',
      privilege: ['system'],
      list: true,
      handler: (ctx) => {
        const aors = env.state.sorted('aor');
        if (!aors.length) return errorLf(ctx, 'No AORs found');
        ctx.listStart('A listing of AORs follows, presented as AorList events');
        for (const a of aors) ctx.listItem('AorList', objectFields(a));
        ctx.listComplete('AorListComplete', aors.length);
      },
    },
    {
      name: 'PJSIPShowAuths',
      privilege: ['system'],
      list: true,
      handler: (ctx) => {
        const auths = env.state.sorted('auth');
        if (!auths.length) return errorLf(ctx, 'No Auths found');
        ctx.listStart('A listing of Auths follows, presented as AuthList events');
        for (const a of auths) ctx.listItem('AuthList', objectFields(a));
        ctx.listComplete('AuthListComplete', auths.length);
      },
    },
    {
      name: 'PJSIPShowContacts',
      privilege: ['system'],
      list: true,
      handler: (ctx) => {
        // Only sorcery contacts (registered ones): an aor's `contact =` is not listed (Asterisk #807).
        const list = env.state
          .allContacts()
          .filter((c) => !c.permanent)
          .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
        if (!list.length) return errorLf(ctx, 'No Contacts found');
        ctx.listStart('A listing of Contacts follows, presented as ContactList events');
        for (const c of list) ctx.listItem('ContactList', contactListFields(c));
        ctx.listComplete('ContactListComplete', list.length);
      },
    },
    {
      name: 'PJSIPShowRegistrationsInbound',
      privilege: ['system'],
      list: true,
      handler: (ctx) => {
        // ami_registrations_endpoints: every endpoint (by name), each aor it lists, in its order; an aor
        // no endpoint names is not shown, one that two endpoints name is shown twice.
        ctx.listStart('Following are Events for each Inbound registration');
        let n = 0;
        for (const ep of env.state.sorted('endpoint'))
          for (const a of env.state.aorsOf(ep)) {
            ctx.listItem('InboundRegistrationDetail', inboundRegistrationFields(env.state, a));
            n++;
          }
        ctx.listComplete('InboundRegistrationDetailComplete', n);
      },
    },
    {
      name: 'PJSIPShowRegistrationInboundContactStatuses',
      privilege: ['system'],
      list: true,
      handler: (ctx) => {
        ctx.listStart('Following are ContactStatusEvents for each Inbound registration');
        let n = 0;
        for (const aor of env.state.sorted('aor'))
          for (const c of env.state.contactsOf(aor.id).filter((x) => !x.permanent)) {
            ctx.listItem('ContactStatusDetail', contactStatusDetailFields(c, c.endpointName));
            n++;
          }
        ctx.listComplete('ContactStatusDetailComplete', n);
      },
    },
    {
      name: 'PJSIPShowRegistrationsOutbound',
      privilege: ['system', 'reporting'],
      list: true,
      handler: (ctx) => {
        const regs = env.state.sorted('registration');
        const now = Math.floor(Date.now() / 1000);
        ctx.listStart('Following are Events for each Outbound registration');
        let registered = 0;
        for (const r of regs) {
          ctx.listItem('OutboundRegistrationDetail', outboundRegistrationFields(env.state, r, now));
          for (const a of val(r, 'outbound_auth')
            .split(',')
            .filter((x) => x)) {
            const auth = env.state.find('auth', a);
            if (auth) ctx.listItem('AuthDetail', objectFields(auth));
          }
          if (env.state.outbound.get(r.id)?.status === 'Registered') registered++;
        }
        ctx.listComplete('OutboundRegistrationDetailComplete', regs.length, [
          ['Registered', String(registered)],
          ['NotRegistered', String(regs.length - registered)],
        ]);
      },
    },
    {
      name: 'PJSIPShowSubscriptionsInbound',
      privilege: ['system'],
      list: true,
      handler: (ctx) => {
        // No SUBSCRIBE is accepted yet, so there is never an inbound subscription to list.
        ctx.listStart('Following are Events for each inbound Subscription');
        ctx.listComplete('InboundSubscriptionDetailComplete', 0);
      },
    },
    {
      name: 'PJSIPShowSubscriptionsOutbound',
      privilege: ['system'],
      list: true,
      handler: (ctx) => {
        ctx.listStart('Following are Events for each outbound Subscription');
        ctx.listComplete('OutboundSubscriptionDetailComplete', 0);
      },
    },
    {
      name: 'PJSIPShowResourceLists',
      privilege: ['system'],
      list: true,
      handler: (ctx) => errorLf(ctx, 'No resource lists found'),
    },
    {
      name: 'PJSIPQualify',
      privilege: ['system', 'reporting'],
      handler: (ctx) => {
        const name = ctx.get('Endpoint');
        if (!name) return ctx.error('Endpoint parameter missing.');
        const ep = env.state.find('endpoint', name);
        if (!ep) return errorLf(ctx, 'Unable to retrieve endpoint');
        if (!val(ep, 'aors')) return errorLf(ctx, 'No AoRs configured for endpoint');
        env.qualifyEndpoint(ep.id);
        ctx.ack('Endpoint found, will qualify');
      },
    },
  ];

  actions.push(
    {
      name: 'PJSIPRegister',
      privilege: ['system', 'reporting'],
      handler: (ctx) => {
        const name = ctx.get('Registration');
        if (!name) return ctx.error('Registration parameter missing.');
        if (name === '*all') {
          for (const n of env.outbound.names()) env.outbound.reregister(n);
          return ctx.ack('Reregistrations queued.');
        }
        if (!env.outbound.reregister(name)) return errorLf(ctx, 'Unable to retrieve registration entry');
        ctx.ack('Reregistration sent');
      },
    },
    {
      name: 'PJSIPUnregister',
      privilege: ['system', 'reporting'],
      handler: (ctx) => {
        const name = ctx.get('Registration');
        if (!name) return ctx.error('Registration parameter missing.');
        if (name === '*all') {
          for (const n of env.outbound.names()) env.outbound.unregister(n);
          return ctx.ack('Unregistrations queued.');
        }
        if (!env.outbound.unregister(name)) return errorLf(ctx, 'Unable to retrieve registration entry');
        ctx.ack('Unregistration sent');
      },
    },
  );

  actions.push({
    name: 'PJSIPNotify',
    privilege: ['system'],
    handler: (ctx) => {
      let endpoint = ctx.get('Endpoint');
      const uri = ctx.get('URI');
      const channel = ctx.get('Channel');
      const variables = ctx.get('Variable');
      const option = ctx.get('Option');
      const count = [endpoint, uri, channel].filter((x) => x).length;
      if ((option && variables) || (!option && !variables))
        return ctx.error(
          'PJSIPNotify requires either an Option or Variable(s).You must use only one of them.',
        );
      if (count > 1)
        return ctx.error(
          'PJSIPNotify requires either an endpoint name, a SIP URI, or a channel.  You must use only one of them.',
        );
      if (!endpoint && !uri) {
        // PJSIP channels do not exist yet, so no channel can be found.
        if (channel) return ctx.error('Channel not found');
        return ctx.error('PJSIPNotify requires either an endpoint name, a SIP URI, or a channel.');
      }
      let items: NotifyItems;
      if (option) {
        const o = env.notifyOptions.get(option);
        if (!o) return errorLf(ctx, `Unable to find notify type '${option}'`);
        items = o;
      } else items = notifyVariables(ctx.getAll('Variable'));
      const content = buildNotify(items, env.log);
      if (uri) {
        // notify_uri sends through default_outbound_endpoint; amikit sends straight to the URI.
        env.sendNotify(uri, content);
        return ctx.ack('NOTIFY sent');
      }
      if (/^sip\//i.test(endpoint)) endpoint = endpoint.slice(4);
      if (/^pjsip\//i.test(endpoint)) endpoint = endpoint.slice(6);
      const ep = env.state.find('endpoint', endpoint);
      if (!ep) return ctx.error(`Unable to retrieve endpoint ${endpoint}`);
      if (!val(ep, 'aors')) env.log.warn('Unable to NOTIFY - endpoint has no configured AORs');
      for (const aor of env.state.aorsOf(ep))
        for (const c of env.state.contactsOf(aor.id)) env.sendNotify(c.uri, content);
      ctx.ack('NOTIFY sent');
    },
  });

  return actions;
}
