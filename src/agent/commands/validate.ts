/**
 * `dmgw validate [DIR] [--json]`: loads a factory folder, runs every check of `validateFactory`, prints one
 * `path:line:col: severity: message — hint` line per problem (or a JSON array) on stdout and a summary on stderr.
 * Exit 0 when there is no error (warnings allowed), 1 with errors, 2 on a usage error.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DmgwError, formatProblem, isDmgwError, type Problem } from '../../common/errors.js';
import { ExitCode } from '../../common/exitCodes.js';
import { displayPath, loadFactory, type Factory } from '../../common/model/factory.js';
import { redact } from '../../common/redact.js';
import { hasErrors, validateFactory } from '../../common/validate/index.js';
import { write, type Command } from './command.js';

const usage = `Usage: dmgw validate [DIR] [--json]

Checks a factory folder in Azure Data Factory Git layout (linkedService/, dataset/, pipeline/,
integrationRuntime/; DIR defaults to the current folder): JSON syntax, the JSON schemas, names,
references, Copy source/sink fit, and plaintext secrets in linked services that use a gateway.

Prints one "path:line:col: severity: message — hint" line per problem.
  --json   print the problems as a JSON array instead

Exit status: 0 valid (warnings allowed), 1 errors found, 2 usage error.`;

/** One problem as `--json` prints it. */
export interface JsonProblem {
  severity: Problem['severity'];
  code: string;
  message: string;
  hint?: string;
  file?: string;
  line?: number;
  column?: number;
  field?: string;
}

export const validateCommand: Command = {
  name: 'validate',
  summary: 'check a factory folder: syntax, schemas, names, references, secrets',
  usage,
  async run(args, io) {
    const { values, positionals } = parseArgs({ args, options: { json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } }, allowPositionals: true, strict: true });
    if (values.help) {
      write(io.stdout, usage);
      return ExitCode.Ok;
    }
    if (positionals.length > 1) throw new DmgwError('USAGE', `expected one folder, got ${positionals.length}: ${positionals.join(' ')}`, {}, 'run "dmgw validate [DIR] [--json]"');
    const dir = resolve(io.cwd, positionals[0] ?? '.');
    let factory: Factory;
    try {
      factory = loadFactory(dir);
    } catch (e) {
      // A folder that is not there is a wrong argument, not a broken factory.
      if (isDmgwError(e) && e.code === 'FACTORY_NOT_FOUND') throw new DmgwError('USAGE', e.message.replace(dir, displayPath(dir)), {}, e.hint);
      throw e;
    }
    const problems = validateFactory(factory);
    if (values.json) io.stdout.write(`${redact(JSON.stringify(problems.map(toJson), null, 2))}\n`);
    else for (const p of problems) io.stdout.write(`${redact(formatProblem(p))}\n`);
    const errors = problems.filter((p) => p.severity === 'error').length;
    const warnings = problems.length - errors;
    const files = factory.files.length;
    const verdict = errors ? 'invalid' : 'valid';
    io.stderr.write(`${displayPath(dir) || '.'}: ${verdict} — ${files} file${files === 1 ? '' : 's'}, ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}\n`);
    return hasErrors(problems) ? ExitCode.Failed : ExitCode.Ok;
  },
};

function toJson(p: Problem): JsonProblem {
  return { severity: p.severity, code: p.code, message: p.message, hint: p.hint, file: p.place.file, line: p.place.line, column: p.place.column, field: p.place.field };
}
