/** The product version, injected by the build from package.json (falls back for tests run from source). */
declare const __DMGW_VERSION__: string | undefined;
export const VERSION: string = typeof __DMGW_VERSION__ === 'string' ? __DMGW_VERSION__ : '0.0.0-dev';
