/**
 * The systemd unit `dmgw install-service` writes: `dmgw launch` (the update launcher, so agent updates work) as a
 * dedicated user, the gateway home as its state directory, restarted on failure, and sandboxed — no new privileges,
 * the whole file system read-only except the home and the folders pipelines may write (`fileSystem.allowedRoots`),
 * private /tmp and devices. Pure: the command decides where it goes and what else to run.
 */
export interface UnitOptions {
  user: string;
  home: string;
  /** absolute path of the node binary */
  node: string;
  /** absolute path of the dmgw bundle (dist/agent/cli.js) */
  cli: string;
  /** fileSystem.allowedRoots of the service's home: written as ReadWritePaths */
  allowedRoots: string[];
  agentVersion: string;
}

export const UNIT_NAME = 'dmgw.service';

/** A path as a unit file reads it: `%` doubled (specifiers), quoted when it holds a space, a quote or a backslash. */
export function unitPath(p: string): string {
  const s = p.replace(/%/g, '%%');
  return /[\s"\\]/.test(s) ? `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"` : s;
}

export function systemdUnit(o: UnitOptions): string {
  const state = /^\/var\/lib\/([^/]+)$/.exec(o.home)?.[1];
  return `# Written by dmgw install-service (agent ${o.agentVersion}). Remove it with: dmgw uninstall-service
# After changing fileSystem.allowedRoots, run dmgw install-service again: they are this unit's ReadWritePaths.
[Unit]
Description=Data Management Gateway node (dmgw host under its update launcher)
Wants=network-online.target
After=network-online.target

[Service]
Type=simple
User=${o.user}
Group=${o.user}
Environment=DMGW_HOME=${unitPath(o.home)}
WorkingDirectory=${unitPath(o.home)}
ExecStart=${unitPath(o.node)} ${unitPath(o.cli)} launch
Restart=on-failure
RestartSec=5
# SIGTERM to the launcher only: it stops the host, which kills its workers and releases their jobs to other nodes
KillMode=mixed
TimeoutStopSec=60
${state ? `StateDirectory=${state}\nStateDirectoryMode=0700\n` : ''}UMask=0077
NoNewPrivileges=yes
ProtectSystem=strict
ProtectHome=read-only
ReadWritePaths=${[o.home, ...o.allowedRoots].map(unitPath).join(' ')}
PrivateTmp=yes
PrivateDevices=yes
PrivateMounts=yes
RemoveIPC=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectControlGroups=yes
RestrictSUIDSGID=yes
LockPersonality=yes
ProtectKernelLogs=yes
ProtectClock=yes
ProtectHostname=yes
ProtectProc=invisible
RestrictNamespaces=yes
RestrictRealtime=yes
CapabilityBoundingSet=
SystemCallArchitectures=native
# Node.js needs no more than a typical service; a call outside the set fails with EPERM rather than killing the host
SystemCallFilter=@system-service
SystemCallErrorNumber=EPERM
RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX
LimitNOFILE=65536

[Install]
WantedBy=multi-user.target
`;
}
