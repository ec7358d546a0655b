/**
 * The certificate a credential is encrypted for: the local gateway's current one, as `dmgw cert show --json`
 * lists it (the agent owns the gateway home's layout; the extension reads only the public certificate it names).
 */
import { readFileSync } from 'node:fs';
import { firstLine, type AgentClient } from './agentClient';

export interface ShownCertificate {
  thumbprint: string;
  current: boolean;
  subject: string;
  notBefore: string;
  notAfter: string;
  keyBits: number;
  certificateFile: string;
}

export interface CertificateShow {
  home: string;
  certificates: ShownCertificate[];
}

export interface GatewayCertificate {
  pem: string;
  thumbprint: string;
  /** where it came from, for messages */
  source: string;
}

/** `dmgw cert show --json`; exits 1 (with the same JSON) when there is no current certificate. */
export async function showCertificates(agent: AgentClient): Promise<CertificateShow> {
  const r = await agent.exec(['cert', 'show', '--json']);
  try {
    return JSON.parse(r.stdout) as CertificateShow;
  } catch {
    throw new Error(firstLine(r.stderr) || `dmgw cert show exited with ${r.code}`);
  }
}

/** The local gateway's current certificate, or undefined when it has none yet. */
export async function localGatewayCertificate(agent: AgentClient): Promise<GatewayCertificate | undefined> {
  const shown = await showCertificates(agent);
  const current = shown.certificates.find((c) => c.current);
  if (!current) return undefined;
  return { pem: readFileSync(current.certificateFile, 'utf8'), thumbprint: current.thumbprint, source: `the local gateway's certificate (${shown.home})` };
}
