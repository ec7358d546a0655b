/** What every mode of the demo works with: the embedded servers, the scratch folder, the stage printer. */
import type { EmbeddedAzurite } from './embeddedAzurite.js';
import type { EmbeddedPostgres } from './embeddedPostgres.js';
import type { Stages } from './stages.js';

export interface DemoContext {
  out: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stages: Stages;
  scratch: string;
  /** the environment dmgw children get (DMGW_HOME is set per child) */
  env: NodeJS.ProcessEnv;
  db: EmbeddedPostgres;
  blob: EmbeddedAzurite;
  /** registers something to stop when the demo ends or is interrupted; the last registered stops first */
  defer(stop: () => Promise<void> | void): void;
}
