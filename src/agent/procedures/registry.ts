/** Picks the stored-procedure runner for a (decrypted) linked service. Adding a store = one file + one line here. */
import { DmgwError } from '../../common/errors.js';
import type { LinkedService } from '../../common/model/types.js';
import { MySqlProcedureRunner } from './mysqlProcedure.js';
import { PostgresProcedureRunner } from './postgresProcedure.js';
import { SqlServerProcedureRunner } from './sqlServerProcedure.js';
import type { ProcedureRunner } from './procedure.js';

const RUNNERS: Record<string, (ls: LinkedService) => ProcedureRunner> = {
  postgresql: (ls) => new PostgresProcedureRunner(ls),
  postgresqlv2: (ls) => new PostgresProcedureRunner(ls),
  azurepostgresql: (ls) => new PostgresProcedureRunner(ls),
  sqlserver: (ls) => new SqlServerProcedureRunner(ls),
  azuresqldatabase: (ls) => new SqlServerProcedureRunner(ls),
  azuresqlmi: (ls) => new SqlServerProcedureRunner(ls),
  mysql: (ls) => new MySqlProcedureRunner(ls),
  mariadb: (ls) => new MySqlProcedureRunner(ls),
  azuremysql: (ls) => new MySqlProcedureRunner(ls),
};

export function procedureRunnerFor(ls: LinkedService): ProcedureRunner {
  const make = RUNNERS[String(ls.properties.type).toLowerCase()];
  if (!make) throw new DmgwError('PROCEDURE_UNSUPPORTED', `linked service ${ls.name} is of type ${ls.properties.type}, which has no stored procedures the gateway can run`, { file: ls.file, field: 'linkedServiceName' }, 'point the activity at a SQL Server, PostgreSQL, MySQL or MariaDB linked service');
  return make(ls);
}
