/**
 * Release profiles: what one Asterisk release looks like from outside. A profile names the versions a
 * client reads (the banner's AMI version, CoreSettings, `core show version`, chan_sip's User-Agent,
 * the HTTP Server header), the modules that exist in that release and the spec documents its actions
 * and events are checked against. Code asks the profile; nothing else branches on a version number.
 *
 * This file imports nothing of ours, so that every layer may read it.
 */

export interface ReleaseProfile {
  /** The `--asterisk` choice that selects it. */
  readonly id: string;
  /** ast_get_version(): shown by CoreSettings, `core show version`, User-Agent and Server headers. */
  readonly asteriskVersion: string;
  /** AMI_VERSION: the banner `Asterisk Call Manager/<v>` and CoreSettings' AMIversion. */
  readonly amiVersion: string;
  /** The modules this release loads, in load order where their dependencies leave a choice. */
  readonly modules: readonly string[];
  /** The interface documents of this release, relative to the package root. */
  readonly spec: {
    /** Registrations: action name, privilege, list or not (spec/ami-actions.json). */
    readonly actions: string;
    /** Action documentation: synopsis, syntax, arguments, `manager show command` text. */
    readonly actionDocs: string;
    /** Events: name, class, header order. */
    readonly events: string;
  };
}

export const ASTERISK_20: ReleaseProfile = {
  id: '20',
  asteriskVersion: '20.20.1',
  amiVersion: '9.0.0',
  modules: ['manager', 'misc', 'core', 'app_queue', 'chan_sip'],
  spec: {
    actions: 'spec/ami-actions.json',
    actionDocs: 'spec/ami-actions-docs.json',
    events: 'spec/ami-events.json',
  },
};

/** Every release amikit can be, by id. */
export const PROFILES: ReadonlyMap<string, ReleaseProfile> = new Map([[ASTERISK_20.id, ASTERISK_20]]);

/** The release served when none is chosen. */
export const DEFAULT_PROFILE: ReleaseProfile = ASTERISK_20;

/** chan_sip's default `useragent` (DEFAULT_USERAGENT: "Asterisk PBX " + ast_get_version()). */
export function sipUserAgent(p: ReleaseProfile): string {
  return 'Asterisk PBX ' + p.asteriskVersion;
}

/** http.c's default `servername` ("Asterisk/" + ast_get_version()). */
export function httpServerName(p: ReleaseProfile): string {
  return 'Asterisk/' + p.asteriskVersion;
}
