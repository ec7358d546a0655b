/**
 * Support reports: bundles a node uploads (`dmgw logs send`, `POST /gateway/v1/support-reports` with its node
 * credential) and the service's operator reads (`dmgw service reports list|get`, under the admin token, beside the
 * ARM routes). The node never reads them back; a bundle holds no secret (agent/logs/bundle.ts).
 */
export const SUPPORT_REPORTS_PATH = '/providers/Dmgw/supportReports';

/** The largest bundle the service takes (the node checks before sending; the service answers 413 above it). */
export const SUPPORT_REPORT_MAX_BYTES = 32 * 1024 * 1024;

/** Reports kept per gateway: the oldest go when a new one comes. */
export const SUPPORT_REPORTS_KEPT = 50;

/** An optional note from the node's operator (a ticket number), sent in this header, at most 500 characters. */
export const SUPPORT_NOTE_HEADER = 'x-dmgw-note';

export interface SupportReportInfo {
  reportId: string;
  factory: string;
  gateway: string;
  node: string;
  agentVersion: string;
  size: number;
  sha256: string;
  note?: string;
  createdAt: string;
}
