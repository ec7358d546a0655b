/** Test gateway homes: the file roots a test's node allows (`fileSystem.allowedRoots`), as `dmgw config set` writes them. */
import { GatewayHome } from '../../src/agent/config/home.js';
import { writeSetting } from '../../src/agent/config/settings.js';

/** Opens `roots` (absolute folders that exist) to the pipelines run with gateway home `home`; none = closes them all. */
export function allowFileRoots(home: string, ...roots: string[]): void {
  writeSetting(new GatewayHome(home), 'fileSystem.allowedRoots', roots.length ? roots.join(',') : undefined);
}
