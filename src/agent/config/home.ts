/**
 * The gateway home: the one folder (`DMGW_HOME`, default `~/.dmgw`) where a gateway keeps what is its own —
 * certificates and their private keys, settings, logs. Every path under it is named here, so the host, the worker
 * and the commands agree on the layout. Created 0700: only the gateway's account may look inside.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export interface HomeOptions {
  /** An explicit home (tests, `--home`); wins over the environment. */
  home?: string;
  env?: NodeJS.ProcessEnv;
}

export class GatewayHome {
  constructor(readonly root: string) {}

  static resolve(opts: HomeOptions = {}): GatewayHome {
    const env = opts.env ?? process.env;
    return new GatewayHome(resolve(opts.home || env.DMGW_HOME || join(homedir(), '.dmgw')));
  }

  /** One folder per certificate, named by its thumbprint: `certificates/<THUMBPRINT>/{certificate.pem,private-key.pem}`. */
  get certificatesDir(): string {
    return join(this.root, 'certificates');
  }

  /** Holds the thumbprint of the current certificate; replaced atomically, so the current pair never half-changes. */
  get currentCertificateFile(): string {
    return join(this.certificatesDir, 'current');
  }

  certificateDir(thumbprint: string): string {
    return join(this.certificatesDir, thumbprint);
  }

  get logsDir(): string {
    return join(this.root, 'logs');
  }

  /** The log file every dmgw process on this gateway appends to. */
  get logFile(): string {
    return join(this.logsDir, 'dmgw.log');
  }

  /** Settings the user sets with `dmgw config` (credential endpoint, update schedule), JSON, 0600. */
  get settingsFile(): string {
    return join(this.root, 'settings.json');
  }

  /** The bearer token of the credential endpoint, 0600. */
  get credentialEndpointTokenFile(): string {
    return join(this.root, 'credential-endpoint.token');
  }

  /** Agent versions installed by updates: `versions/<version>/cli.js`, and `versions/current` naming the one to run. */
  get versionsDir(): string {
    return join(this.root, 'versions');
  }

  exists(): boolean {
    return existsSync(this.root);
  }

  /** Creates the home (and `sub`, if given) with mode 0700; returns the folder. */
  ensure(sub?: string): string {
    mkdirSync(this.root, { recursive: true, mode: 0o700 });
    if (!sub) return this.root;
    mkdirSync(sub, { recursive: true, mode: 0o700 });
    return sub;
  }
}
