/**
 * The management library in one module: what `dmgw gateway`/`dmgw pipeline` load on demand (built as its own
 * bundle, dist/management/index.js, so other dmgw commands and workers never load the Azure SDK), and what the
 * demo and the VS Code extension import.
 */
export * from './client.js';
export * from './target.js';
export * from './scope.js';
export * from './gateways.js';
export * from './runs.js';
export * from './runText.js';
export * from './upload.js';
export { explainManagementError } from './armErrors.js';
export * from './releases.js';
export * from './supportReports.js';
export * from './testConnectivity.js';
