/**
 * Before `amikit serve --config DIR` starts anything: is there something to serve, and does every
 * port flag name a listener the configuration enables? Each problem is one line that says what is
 * missing and what to do; nothing is bound and nothing is silently ignored.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { loadHttpConf, loadManagerConf } from '../config/index.js';
import { DEFAULT_PROFILE, httpServerName, profileFor, type ReleaseProfile } from '../profiles/index.js';
import { readReleaseChoice } from '../config/amikit-release.js';
import { CliError, EXIT } from './errors.js';

export interface PortFlags {
  /** `--asterisk`: the release, when given (else asterisk.conf decides). */
  asterisk?: string;
  amiPort?: number;
  tlsPort?: number;
  httpPort?: number;
  sipPort?: number;
  bind?: string;
}

/** Throws a CliError when DIR cannot serve AMI or a flag asks for a listener DIR does not enable. */
export function checkConfigDir(dir: string, flags: PortFlags): void {
  if (!existsSync(dir))
    throw new CliError(
      `--config ${dir}: no such directory; give an Asterisk configuration directory (one with a ` +
        `manager.conf, such as /etc/asterisk), or run "amikit serve --demo"`,
      EXIT.actionError,
    );
  if (!statSync(dir).isDirectory())
    throw new CliError(
      `--config ${dir}: not a directory; give the directory that holds manager.conf`,
      EXIT.actionError,
    );
  const managerPath = join(dir, 'manager.conf');
  if (!existsSync(managerPath))
    throw new CliError(
      `${dir} has no manager.conf, so AMI is off and there is nothing to serve; create ` +
        `${managerPath} with "[general]", "enabled = yes" and a user section (secret, read, write), ` +
        `or run "amikit serve --demo"`,
      EXIT.actionError,
    );
  const g = loadManagerConf(dir).general;
  if (!g.enabled)
    throw new CliError(
      `${managerPath}: [general] does not say "enabled = yes", so AMI is off and there is nothing ` +
        `to serve; add "enabled = yes" under [general]`,
      EXIT.actionError,
    );
  if (flags.tlsPort !== undefined && !g.tls.enabled)
    throw new CliError(
      `--tls-port: AMI over TLS is off in ${managerPath}; add "tlsenable = yes" and "tlscertfile = ..." ` +
        `under [general], or leave out --tls-port`,
      EXIT.usage,
    );
  const release = releaseOf(dir, flags.asterisk);
  if (flags.httpPort !== undefined) {
    const http = loadHttpConf(dir, httpServerName(release));
    if (!http.enabled || (http.bindaddr === undefined && flags.bind === undefined))
      throw new CliError(
        `--http-port: the HTTP server is off in ${dir} (${
          existsSync(join(dir, 'http.conf')) ? 'http.conf' : 'there is no http.conf'
        }); it needs "enabled = yes" and "bindaddr = 127.0.0.1" under [general] of http.conf, ` +
          `or leave out --http-port`,
        EXIT.usage,
      );
  }
  const driver = release.channelDrivers[0];
  if (flags.sipPort !== undefined && (driver === undefined || !existsSync(join(dir, driver.conf))))
    throw new CliError(
      driver === undefined
        ? `--sip-port: Asterisk ${release.asteriskVersion} has no SIP channel driver; leave out --sip-port`
        : `--sip-port: there is no ${driver.conf} in ${dir}, so ${driver.module} is not loaded and nothing ` +
            `listens for SIP; add a ${driver.conf}, or leave out --sip-port`,
      EXIT.usage,
    );
}

/** The release `--asterisk` or asterisk.conf names; a bad value in the file is reported by the start. */
function releaseOf(dir: string, flag: string | undefined): ReleaseProfile {
  if (flag !== undefined) return profileFor(flag);
  try {
    const v = readReleaseChoice(dir).choice?.value;
    return v === undefined ? DEFAULT_PROFILE : profileFor(v);
  } catch {
    return DEFAULT_PROFILE;
  }
}
