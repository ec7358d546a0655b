/** The shape of one `dmgw` sub-command: one file per command under src/agent/commands/. */
import type { Writable } from 'node:stream';

export interface CommandIo {
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable & { isTTY?: boolean };
  stdin: NodeJS.ReadableStream;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export interface Command {
  name: string;
  /** One line for `dmgw help`. */
  summary: string;
  /** Usage text printed by `dmgw help NAME` and on usage errors. */
  usage: string;
  run(args: string[], io: CommandIo): Promise<number>;
}

export function write(stream: Writable, text: string): void {
  stream.write(text.endsWith('\n') ? text : `${text}\n`);
}
