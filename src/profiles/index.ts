/**
 * Release profiles: what one Asterisk release looks like from outside. A profile names the versions a
 * client reads (the banner's AMI version, CoreSettings, `core show version`, chan_sip's User-Agent,
 * the HTTP Server header), the modules that exist in that release, the channel drivers among them and
 * the spec documents its actions and events are checked against. Code asks the profile; nothing else
 * branches on a version number.
 *
 * This file imports nothing of ours, so that every layer may read it.
 */

export interface ReleaseProfile {
  /** The `--asterisk` choice that selects it (the release's major version). */
  readonly id: string;
  /** ast_get_version(): shown by CoreSettings, `core show version`, User-Agent and Server headers. */
  readonly asteriskVersion: string;
  /** AMI_VERSION: the banner `Asterisk Call Manager/<v>` and CoreSettings' AMIversion. */
  readonly amiVersion: string;
  /**
   * The modules this release loads, in load order where their dependencies leave a choice. A channel
   * driver loads only when its configuration file exists (sip.conf, pjsip.conf), as in Asterisk.
   */
  readonly modules: readonly string[];
  /**
   * The SIP channel drivers of the release (a subset of `modules`), with the technology each one
   * registers and the configuration file it reads: chan_sip on 20; chan_pjsip on 22, where chan_sip
   * was removed (Asterisk 21).
   */
  readonly channelDrivers: readonly ChannelDriver[];
  /** The interface documents of this release, relative to the package root. */
  readonly spec: {
    /** Registrations: action name, privilege, list or not (spec/ami-actions.json). */
    readonly actions: string;
    /** Action documentation: synopsis, syntax, arguments, `manager show command` text. */
    readonly actionDocs: string;
    /** Events: name, class, header order. */
    readonly events: string;
    /** Event synopses. */
    readonly eventDocs: string;
  };
}

/** A SIP channel driver of a release. */
export interface ChannelDriver {
  readonly module: string;
  /** The technology it registers (`SIP`, `PJSIP`). */
  readonly tech: string;
  /** Its configuration file. */
  readonly conf: string;
  /**
   * It loads without its file (res_pjsip does, listening on nothing); without this, the driver
   * declines to load when the file is missing, as chan_sip does without sip.conf.
   */
  readonly optionalConf?: boolean;
}

export const ASTERISK_20: ReleaseProfile = {
  id: '20',
  asteriskVersion: '20.20.1',
  amiVersion: '9.0.0',
  modules: ['manager', 'misc', 'core', 'app_queue', 'chan_sip'],
  channelDrivers: [{ module: 'chan_sip', tech: 'SIP', conf: 'sip.conf' }],
  spec: {
    actions: 'spec/ami-actions.json',
    actionDocs: 'spec/ami-actions-docs.json',
    events: 'spec/ami-events.json',
    eventDocs: 'spec/ami-events-docs.json',
  },
};

export const ASTERISK_22: ReleaseProfile = {
  id: '22',
  asteriskVersion: '22.10.1',
  // include/asterisk/manager.h AMI_VERSION of the 22 branch.
  amiVersion: '11.0.0',
  modules: ['manager', 'misc', 'core', 'app_queue', 'chan_pjsip'],
  channelDrivers: [{ module: 'chan_pjsip', tech: 'PJSIP', conf: 'pjsip.conf', optionalConf: true }],
  spec: {
    actions: 'spec/22/ami-actions.json',
    actionDocs: 'spec/22/ami-actions-docs.json',
    events: 'spec/22/ami-events.json',
    eventDocs: 'spec/22/ami-events-docs.json',
  },
};

/** Every release amikit can be, by id. */
export const PROFILES: ReadonlyMap<string, ReleaseProfile> = new Map([
  [ASTERISK_20.id, ASTERISK_20],
  [ASTERISK_22.id, ASTERISK_22],
]);

/** The release served when none is chosen (by `--asterisk`, the server options or asterisk.conf). */
export const DEFAULT_PROFILE: ReleaseProfile = ASTERISK_20;

/**
 * The profile for an `--asterisk` value: a major version (`22`) or a full one of the release
 * (`22.10.1`). Throws with the choices when there is none.
 */
export function profileFor(choice: string): ReleaseProfile {
  const v = choice.trim();
  const p = PROFILES.get(v) ?? [...PROFILES.values()].find((x) => x.asteriskVersion === v);
  if (!p) {
    throw new Error(
      `unknown Asterisk release '${choice}' (amikit can be: ${[...PROFILES.keys()].join(', ')})`,
    );
  }
  return p;
}

/** Whether the release has a module (`chan_sip`, `chan_pjsip`, `app_queue`, ...). */
export function hasModule(p: ReleaseProfile, name: string): boolean {
  return p.modules.includes(name);
}

/** chan_sip's default `useragent` (DEFAULT_USERAGENT: "Asterisk PBX " + ast_get_version()). */
export function sipUserAgent(p: ReleaseProfile): string {
  return 'Asterisk PBX ' + p.asteriskVersion;
}

/** http.c's default `servername` ("Asterisk/" + ast_get_version()). */
export function httpServerName(p: ReleaseProfile): string {
  return 'Asterisk/' + p.asteriskVersion;
}
