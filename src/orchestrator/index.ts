/** The orchestrator: ADF's control flow, shared by the agent (local runs) and the service (dispatch to gateways). */
export { orchestrate } from './orchestrator.js';
export { timeSpanMs } from './timeSpan.js';
export * from './types.js';
