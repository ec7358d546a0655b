/**
 * The gateway home: the one folder (`DMGW_HOME`, default `~/.dmgw`) where a gateway keeps what is its own —
 * certificates and their private keys, settings, logs. Every path under it is named here, so the host, the worker
 * and the commands agree on the layout. Created 0700, and tightened to 0700 when found looser: only the gateway's
 * account may look inside; and marked protected (common/protectedFolder.ts), so that no pipeline reads or writes it
 * even inside a file root its operator allows.
 */
import { appendFileSync, existsSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { formatEntry } from '../../common/log.js';
import { tightenFolder } from '../../common/privateFolder.js';
import { markProtected } from '../../common/protectedFolder.js';

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

  /**
   * Node's compile cache for the worker processes (NODE_COMPILE_CACHE): V8's code for the agent bundle, kept from
   * one worker to the next, halves the CPU a worker spends booting (0.16 → 0.07 s; job pickup, bench/pickup.ts).
   * Node keys it by the file's content and its own version, so an update starts a fresh cache.
   */
  get compileCache(): string {
    return join(this.root, 'compile-cache');
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

  /**
   * The credential endpoint's own TLS identity: `credential-endpoint/tls-certificate.pem` and `tls-private-key.pem`
   * (0600). Never the gateway certificate's key: that one decrypts credentials and serves nothing.
   */
  get credentialEndpointDir(): string {
    return join(this.root, 'credential-endpoint');
  }

  get credentialEndpointTlsCertificateFile(): string {
    return join(this.credentialEndpointDir, 'tls-certificate.pem');
  }

  get credentialEndpointTlsKeyFile(): string {
    return join(this.credentialEndpointDir, 'tls-private-key.pem');
  }

  /** Agent versions installed by updates: `versions/<version>/cli.js`, and `versions/current` naming the one to run. */
  get versionsDir(): string {
    return join(this.root, 'versions');
  }

  /** Release public keys this node's operator trusts to sign agent updates: `trusted-release-keys/<keyId>.pem`. */
  get trustedReleaseKeysDir(): string {
    return join(this.root, 'trusted-release-keys');
  }

  exists(): boolean {
    return existsSync(this.root);
  }

  /** Creates the home (and `sub`, if given) with mode 0700 (tightening either when looser), marked protected; returns the folder. */
  ensure(sub?: string): string {
    mkdirSync(this.root, { recursive: true, mode: 0o700 });
    this.tighten(this.root, 'gateway home');
    markProtected(this.root, 'gateway home');
    if (!sub) return this.root;
    mkdirSync(sub, { recursive: true, mode: 0o700 });
    this.tighten(sub, 'gateway home folder');
    return sub;
  }

  /** What was tightened goes to stderr and the home's log: whoever loosened it should know. */
  private tighten(dir: string, what: string): void {
    const changed = tightenFolder(dir, what);
    if (!changed) return;
    const line = `${formatEntry({ time: new Date(), level: 'warn', component: 'home', message: changed })}\n`;
    process.stderr.write(line);
    if (existsSync(this.logsDir)) appendFileSync(this.logFile, line, { mode: 0o600 });
  }
}
