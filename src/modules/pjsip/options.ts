/**
 * The sorcery object types of pjsip.conf and their options, as res_pjsip 22.10.1 registers them
 * (ast_sorcery_object_field_register*: name, default, handler). Each table is in the order
 * sorcery's objectset gives them on this build — the order the *Detail / *List events and
 * `pjsip show endpoint` (sorted there) print them — so formatting is a walk of the table.
 *
 * A field's kind says how a configured value is checked and how it is shown again (the handler's
 * to_str): booleans read as ast_true/ast_false and print `true`/`false`, yes/no fields print
 * `yes`/`no`, unsigned integers refuse anything else (PARSE_UINT32, with the range where the
 * source gives one), enumerations refuse a value they do not list.
 */

export type FieldKind =
  | { readonly t: 'str' }
  | { readonly t: 'bool' }
  | { readonly t: 'yesno' }
  | { readonly t: 'uint'; readonly min?: number; readonly max?: number }
  | { readonly t: 'double' }
  | {
      readonly t: 'enum';
      readonly values: readonly string[];
      readonly alias?: Readonly<Record<string, string>>;
    }
  /** Parsed by config.ts itself (codecs, caller id, lists, addresses, contacts). */
  | { readonly t: 'custom' };

export interface FieldDef {
  readonly name: string;
  readonly def: string;
  readonly kind: FieldKind;
}

/** Options a type accepts that have no to_str (never shown): `type`, `disallow`, ACL lists, ... */
export interface TypeDef {
  readonly type: string;
  readonly fields: readonly FieldDef[];
  readonly hidden: readonly string[];
}

const STR: FieldKind = { t: 'str' };
const BOOL: FieldKind = { t: 'bool' };
const YESNO: FieldKind = { t: 'yesno' };
const UINT: FieldKind = { t: 'uint' };
const CUSTOM: FieldKind = { t: 'custom' };
const en = (values: string[], alias?: Record<string, string>): FieldKind => ({ t: 'enum', values, alias });

/** Kinds that a default alone does not tell (enumerations, custom handlers, ranges). */
const ENDPOINT_KINDS: Record<string, FieldKind> = {
  allow: CUSTOM,
  callerid: CUSTOM,
  set_var: CUSTOM,
  aors: CUSTOM,
  auth: CUSTOM,
  outbound_auth: CUSTOM,
  identify_by: CUSTOM,
  mailboxes: STR,
  context: STR,
  transport: STR,
  webrtc: YESNO,
  send_connected_line: YESNO,
  trust_connected_line: YESNO,
  mwi_subscribe_replaces_unsolicited: YESNO,
  stir_shaken: YESNO,
  security_negotiation: en(['no', 'mediasec']),
  dtmf_mode: en(['rfc4733', 'inband', 'info', 'auto', 'auto_info'], { rfc2833: 'rfc4733' }),
  direct_media_method: en(['invite', 'update'], { reinvite: 'invite' }),
  connected_line_method: en(['invite', 'update'], { reinvite: 'invite' }),
  direct_media_glare_mitigation: en(['none', 'outgoing', 'incoming']),
  callerid_privacy: en([
    'allowed_not_screened',
    'allowed_passed_screen',
    'allowed_failed_screen',
    'allowed',
    'prohib_not_screened',
    'prohib_passed_screen',
    'prohib_failed_screen',
    'prohib',
    'unavailable',
  ]),
  '100rel': en(['no', 'yes', 'required', 'peer_supported']),
  timers: en(['no', 'yes', 'required', 'always'], { forced: 'always' }),
  media_encryption: en(['no', 'sdes', 'dtls']),
  t38_udptl_ec: en(['none', 'fec', 'redundancy']),
  redirect_method: en(['user', 'uri_core', 'uri_pjsip']),
  incoming_call_offer_pref: en(['local', 'local_first', 'remote', 'remote_first']),
  outgoing_call_offer_pref: en([
    'local',
    'local_merge',
    'local_first',
    'remote',
    'remote_merge',
    'remote_first',
  ]),
  dtls_setup: en(['active', 'passive', 'actpass']),
  dtls_fingerprint: en(['SHA-256', 'SHA-1']),
  dtls_verify: en(['No', 'Yes', 'fingerprint', 'certificate'], {
    no: 'No',
    yes: 'Yes',
    false: 'No',
    true: 'Yes',
  }),
  dtls_auto_generate_cert: en(['No', 'Yes'], { no: 'No', yes: 'Yes', false: 'No', true: 'Yes' }),
  sdp_owner: STR,
  sdp_session: STR,
  moh_suggest: STR,
  rtp_engine: STR,
  record_on_feature: STR,
  record_off_feature: STR,
  tos_audio: STR,
  tos_video: STR,
  codec_prefs_incoming_answer: STR,
  codec_prefs_incoming_offer: STR,
  codec_prefs_outgoing_answer: STR,
  codec_prefs_outgoing_offer: STR,
};

function kindOf(name: string, def: string, overrides: Record<string, FieldKind>): FieldKind {
  if (overrides[name]) return overrides[name];
  if (def === 'true' || def === 'false') return BOOL;
  if (/^[0-9]+$/.test(def)) return UINT;
  return STR;
}

function table(flat: readonly string[], overrides: Record<string, FieldKind>): FieldDef[] {
  const out: FieldDef[] = [];
  for (let i = 0; i < flat.length; i += 2)
    out.push({ name: flat[i], def: flat[i + 1], kind: kindOf(flat[i], flat[i + 1], overrides) });
  return out;
}

// prettier-ignore
const ENDPOINT_FLAT = [
  "rpid_immediate", "false",
  "webrtc", "no",
  "ignore_183_without_sdp", "false",
  "send_aoc", "false",
  "device_state_busy_at", "0",
  "t38_udptl_maxdatagram", "0",
  "codec_prefs_incoming_answer", "prefer:pending, operation:intersect, keep:all, transcode:allow",
  "security_negotiation", "no",
  "dtls_rekey", "0",
  "rtp_port_end", "0",
  "named_pickup_group", "",
  "direct_media_method", "invite",
  "send_rpid", "false",
  "pickup_group", "",
  "sdp_session", "Asterisk",
  "dtls_verify", "No",
  "message_context", "",
  "tenantid", "",
  "mailboxes", "",
  "record_on_feature", "automixmon",
  "dtls_private_key", "",
  "dtls_fingerprint", "SHA-256",
  "overlap_context", "",
  "outgoing_call_offer_pref", "remote_merge",
  "rtp_port_start", "0",
  "from_domain", "",
  "timers_sess_expires", "1800",
  "named_call_group", "",
  "dtls_cipher", "",
  "media_encryption_optimistic", "false",
  "suppress_q850_reason_headers", "false",
  "aors", "",
  "identify_by", "username,ip",
  "callerid_privacy", "allowed_not_screened",
  "mwi_subscribe_replaces_unsolicited", "no",
  "cos_audio", "0",
  "follow_early_media_fork", "true",
  "context", "default",
  "rtp_symmetric", "false",
  "transport", "",
  "moh_suggest", "default",
  "t38_udptl", "false",
  "fax_detect", "false",
  "t38_bind_udptl_to_media_address", "false",
  "tos_video", "0",
  "srtp_tag_32", "false",
  "refer_blind_progress", "true",
  "max_audio_streams", "1",
  "bundle", "false",
  "use_avpf", "false",
  "call_group", "",
  "send_connected_line", "yes",
  "fax_detect_timeout", "0",
  "sdp_owner", "-",
  "force_rport", "true",
  "callerid_tag", "",
  "rtp_timeout_hold", "0",
  "suppress_moh_on_sendonly", "false",
  "use_ptime", "false",
  "media_address", "",
  "voicemail_extension", "",
  "rtp_timeout", "0",
  "stir_shaken", "no",
  "set_var", "",
  "contact_acl", "",
  "preferred_codec_only", "false",
  "geoloc_outgoing_call_profile", "",
  "force_avp", "false",
  "record_off_feature", "automixmon",
  "from_user", "",
  "send_diversion", "true",
  "send_history_info", "false",
  "t38_udptl_ipv6", "false",
  "tone_zone", "",
  "language", "",
  "allow_subscribe", "true",
  "rtp_ipv6", "false",
  "callerid", "<unknown>",
  "moh_passthrough", "false",
  "cos_video", "0",
  "dtls_auto_generate_cert", "No",
  "asymmetric_rtp_codec", "false",
  "geoloc_incoming_call_profile", "",
  "ice_support", "false",
  "aggregate_mwi", "true",
  "one_touch_recording", "false",
  "mwi_from_user", "",
  "redirect_method", "user",
  "accountcode", "",
  "codec_prefs_outgoing_answer", "prefer:pending, operation:intersect, keep:all, transcode:allow",
  "allow", "(nothing)",
  "rewrite_contact", "false",
  "user_eq_phone", "false",
  "rtp_engine", "asterisk",
  "follow_redirect_methods", "",
  "subscribe_context", "",
  "notify_early_inuse_ringing", "false",
  "incoming_mwi_mailbox", "",
  "incoming_call_offer_pref", "local",
  "allow_unauthenticated_options", "false",
  "auth", "",
  "direct_media_glare_mitigation", "none",
  "trust_id_inbound", "false",
  "stir_shaken_profile", "",
  "bind_rtp_to_media_address", "false",
  "disable_direct_media_on_nat", "false",
  "media_encryption", "no",
  "media_use_received_transport", "false",
  "allow_overlap", "true",
  "dtmf_mode", "rfc4733",
  "outbound_auth", "",
  "tos_audio", "0",
  "dtls_cert_file", "",
  "dtls_ca_path", "",
  "dtls_setup", "active",
  "connected_line_method", "invite",
  "g726_non_standard", "false",
  "100rel", "yes",
  "timers", "yes",
  "direct_media", "true",
  "acl", "",
  "timers_min_se", "90",
  "trust_id_outbound", "false",
  "sub_min_expiry", "0",
  "rtcp_mux", "false",
  "max_video_streams", "1",
  "accept_multiple_sdp_answers", "false",
  "codec_prefs_incoming_offer", "prefer:pending, operation:intersect, keep:all, transcode:allow",
  "codec_prefs_outgoing_offer", "prefer:pending, operation:union, keep:all, transcode:allow",
  "trust_connected_line", "yes",
  "send_pai", "false",
  "rtp_keepalive", "0",
  "t38_udptl_ec", "none",
  "t38_udptl_nat", "false",
  "allow_transfer", "true",
  "dtls_ca_file", "",
  "outbound_proxy", "",
  "inband_progress", "false",
];

export const ENDPOINT: TypeDef = {
  type: 'endpoint',
  fields: table(ENDPOINT_FLAT, ENDPOINT_KINDS),
  hidden: [
    'type',
    'disallow',
    'deny',
    'permit',
    'contact_deny',
    'contact_permit',
    'contact_user',
    'security_mechanisms',
  ],
};

// prettier-ignore
export const AOR: TypeDef = {
  type: 'aor',
  fields: table([
    'minimum_expiration', '60',
    'default_expiration', '3600',
    'qualify_timeout', '3.000000',
    'qualify_2xx_only', 'false',
    'mailboxes', '',
    'support_path', 'false',
    'remove_unavailable', 'false',
    'voicemail_extension', '',
    'max_contacts', '0',
    'authenticate_qualify', 'false',
    'contact', '',
    'maximum_expiration', '7200',
    'qualify_frequency', '0',
    'remove_existing', 'false',
    'outbound_proxy', '',
  ], { qualify_timeout: { t: 'double' }, contact: CUSTOM, qualify_frequency: { t: 'uint', min: 0, max: 86400 } }),
  hidden: ['type'],
};

// prettier-ignore
export const AUTH: TypeDef = {
  type: 'auth',
  fields: table([
    'oauth_secret', '',
    'password_digest', '',
    'supported_algorithms_uas', 'MD5',
    'refresh_token', '',
    'username', '',
    'md5_cred', '',
    'realm', '',
    'auth_type', 'userpass',
    'password', '',
    'supported_algorithms_uac', 'MD5',
    'nonce_lifetime', '32',
    'oauth_clientid', '',
  ], {
    auth_type: en(['userpass', 'md5', 'google_oauth', 'digest']),
    supported_algorithms_uas: en(['MD5', 'SHA-256', 'SHA-512-256'], { md5: 'MD5', 'sha-256': 'SHA-256', 'sha-512-256': 'SHA-512-256' }),
    supported_algorithms_uac: en(['MD5', 'SHA-256', 'SHA-512-256'], { md5: 'MD5', 'sha-256': 'SHA-256', 'sha-512-256': 'SHA-512-256' }),
  }),
  hidden: ['type'],
};

// prettier-ignore
export const TRANSPORT: TypeDef = {
  type: 'transport',
  fields: table([
    'websocket_write_timeout', '100',
    'cos', '0',
    'tcp_keepalive_enable', 'false',
    'protocol', 'udp',
    'symmetric_transport', 'false',
    'domain', '',
    'verify_server', 'No',
    'local_net', '',
    'bind', '',
    'allow_wildcard_certs', 'No',
    'tcp_keepalive_interval_time', '1',
    'async_operations', '1',
    'external_media_address', '',
    'method', 'unspecified',
    'external_signaling_address', '',
    'require_client_cert', 'No',
    'tcp_keepalive_idle_time', '30',
    'tos', '0',
    'ca_list_path', '',
    'cipher', '',
    'cert_file', '',
    'external_signaling_port', '0',
    'password', '',
    'allow_reload', 'false',
    'verify_client', 'No',
    'tcp_keepalive_probe_count', '5',
    'priv_key_file', '',
    'ca_list_file', '',
  ], {
    protocol: en(['udp', 'tcp', 'tls', 'ws', 'wss', 'flow']),
    bind: CUSTOM,
    local_net: CUSTOM,
    tos: STR,
    verify_server: en(['No', 'Yes'], { no: 'No', yes: 'Yes', false: 'No', true: 'Yes' }),
    verify_client: en(['No', 'Yes'], { no: 'No', yes: 'Yes', false: 'No', true: 'Yes' }),
    require_client_cert: en(['No', 'Yes'], { no: 'No', yes: 'Yes', false: 'No', true: 'Yes' }),
    allow_wildcard_certs: en(['No', 'Yes'], { no: 'No', yes: 'Yes', false: 'No', true: 'Yes' }),
    method: en(['unspecified', 'default', 'tlsv1', 'tlsv1_1', 'tlsv1_2', 'tlsv1_3', 'sslv2', 'sslv3', 'sslv23']),
    external_signaling_port: { t: 'uint', min: 0, max: 65535 },
  }),
  hidden: ['type'],
};

// prettier-ignore
export const IDENTIFY: TypeDef = {
  type: 'identify',
  fields: table([
    'match', '',
    'match_request_uri', '',
    'srv_lookups', 'true',
    'endpoint', '',
    'match_header', '',
  ], { match: CUSTOM }),
  hidden: ['type'],
};

// prettier-ignore
export const REGISTRATION: TypeDef = {
  type: 'registration',
  fields: table([
    'max_retries', '10',
    'client_uri', '',
    'security_negotiation', 'no',
    'auth_rejection_permanent', 'true',
    'server_uri', '',
    'max_random_initial_delay', '10',
    'support_path', 'false',
    'retry_interval', '60',
    'contact_header_params', '',
    'expiration', '3600',
    'transport', '',
    'line', 'false',
    'contact_user', '',
    'endpoint', '',
    'user_agent', '',
    'forbidden_retry_interval', '0',
    'outbound_auth', '',
    'outbound_proxy', '',
    'fatal_retry_interval', '0',
    'support_outbound', 'no',
  ], { security_negotiation: en(['no', 'mediasec']), outbound_auth: CUSTOM, support_outbound: YESNO }),
  hidden: ['type', 'security_mechanisms'],
};

// prettier-ignore
export const GLOBAL: TypeDef = {
  type: 'global',
  fields: table([
    'max_forwards', '70',
    'user_agent', '',
    'default_outbound_endpoint', 'default_outbound_endpoint',
    'debug', 'no',
    'endpoint_identifier_order', 'ip,username,anonymous',
    'keep_alive_interval', '90',
    'max_initial_qualify_time', '0',
    'default_from_user', 'asterisk',
    'default_voicemail_extension', '',
    'regcontext', '',
    'contact_expiration_check_interval', '30',
    'disable_multi_domain', 'false',
    'unidentified_request_count', '5',
    'unidentified_request_period', '5',
    'unidentified_request_prune_interval', '30',
    'default_realm', 'asterisk',
    'mwi_tps_queue_high', '500',
    'mwi_tps_queue_low', '-1',
    'mwi_disable_initial_unsolicited', 'false',
    'allow_sending_180_after_183', 'false',
    'ignore_uri_user_options', 'false',
    'use_callerid_contact', 'false',
    'send_contact_status_on_update_registration', 'false',
    'taskprocessor_overload_trigger', 'global',
    'norefersub', 'true',
    'all_codecs_on_empty_reinvite', 'false',
    'default_auth_algorithms_uas', 'MD5',
    'default_auth_algorithms_uac', 'MD5',
  ], { debug: STR, mwi_tps_queue_low: STR, taskprocessor_overload_trigger: en(['none', 'global', 'pjsip_only']) }),
  hidden: ['type'],
};

// prettier-ignore
export const SYSTEM: TypeDef = {
  type: 'system',
  fields: table([
    'timer_t1', '500',
    'timer_b', '32000',
    'compact_headers', 'no',
    'taskpool_minimum_size', '4',
    'taskpool_initial_size', '4',
    'threadpool_initial_size', '4',
    'taskpool_auto_increment', '1',
    'threadpool_auto_increment', '1',
    'taskpool_idle_timeout', '60',
    'threadpool_idle_timeout', '60',
    'taskpool_max_size', '50',
    'threadpool_max_size', '50',
    'disable_tcp_switch', 'yes',
    'follow_early_media_fork', 'yes',
    'accept_multiple_sdp_answers', 'no',
    'disable_rport', 'no',
  ], { compact_headers: YESNO, disable_tcp_switch: YESNO, follow_early_media_fork: YESNO, accept_multiple_sdp_answers: YESNO, disable_rport: YESNO }),
  hidden: ['type'],
};

export const DOMAIN_ALIAS: TypeDef = {
  type: 'domain_alias',
  fields: table(['domain', ''], {}),
  hidden: ['type'],
};

/** The `type=` values pjsip.conf may use (contacts are made by REGISTER, not configured; a
 * `type=contact` section is accepted as res_pjsip accepts it, with the contact's own fields). */
// prettier-ignore
export const CONTACT: TypeDef = {
  type: 'contact',
  fields: table([
    'uri', '', 'path', '', 'expiration_time', '0', 'qualify_frequency', '0', 'qualify_timeout', '3.000000',
    'qualify_2xx_only', 'false', 'authenticate_qualify', 'false', 'outbound_proxy', '', 'user_agent', '',
    'endpoint', '', 'reg_server', '', 'via_addr', '', 'via_port', '0', 'call_id', '', 'prune_on_boot', 'false',
  ], { qualify_timeout: { t: 'double' }, qualify_frequency: { t: 'uint', min: 0, max: 86400 } }),
  hidden: ['type'],
};

export const TYPES: ReadonlyMap<string, TypeDef> = new Map(
  [TRANSPORT, ENDPOINT, AOR, AUTH, IDENTIFY, REGISTRATION, CONTACT, DOMAIN_ALIAS, GLOBAL, SYSTEM].map((t) => [
    t.type,
    t,
  ]),
);

/** ast_to_camel_case: `t38_udptl` → `T38Udptl`, `100rel` → `100rel`. */
export function toCamel(name: string): string {
  return name
    .split('_')
    .map((p) => p.charAt(0).toUpperCase() + p.slice(1))
    .join('');
}
