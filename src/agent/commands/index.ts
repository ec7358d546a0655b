/** Every dmgw command, registered in one place. */
import type { Command } from './command.js';

export const commands: Command[] = [];

export function register(...cmds: Command[]): void {
  for (const c of cmds) if (!commands.some((x) => x.name === c.name)) commands.push(c);
}

export function findCommand(name: string): Command | undefined {
  return commands.find((c) => c.name === name);
}
