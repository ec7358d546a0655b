/**
 * The one definition of a linked service's credential target, used by both sides: `dmgw encrypt` (and every other
 * encrypter) binds a credential to it, the worker compares it with the bound one before any connection is opened.
 * Each store's target comes from the settings its connector hands the driver, through the same function.
 */
import { DmgwError } from '../errors.js';
import { resolveExpressions } from '../expressions.js';
import type { LinkedService } from '../model/types.js';
import { blobConnection, blobTarget } from './blobSettings.js';
import { mysqlSettings, mysqlTarget } from './mysqlSettings.js';
import { postgresConfig, postgresTarget } from './postgresSettings.js';
import { sqlServerConfig, sqlServerTarget } from './sqlServerSettings.js';
import type { StoreTarget } from './target.js';

const TARGETS: Record<string, (ls: LinkedService) => StoreTarget> = {
  postgresql: (ls) => postgresTarget(postgresConfig(ls)),
  postgresqlv2: (ls) => postgresTarget(postgresConfig(ls)),
  azurepostgresql: (ls) => postgresTarget(postgresConfig(ls)),
  mysql: (ls) => mysqlTarget(mysqlSettings(ls).connection),
  mariadb: (ls) => mysqlTarget(mysqlSettings(ls).connection),
  azuremysql: (ls) => mysqlTarget(mysqlSettings(ls).connection),
  sqlserver: (ls) => sqlServerTarget(sqlServerConfig(ls)),
  azuresqldatabase: (ls) => sqlServerTarget(sqlServerConfig(ls)),
  azuresqlmi: (ls) => sqlServerTarget(sqlServerConfig(ls)),
  azureblobstorage: (ls) => blobTarget(blobConnection(ls)),
  azurestorage: (ls) => blobTarget(blobConnection(ls)),
  // the file connector never sends the password anywhere; binding the share keeps it with the share it was for
  fileserver: (ls) => {
    const tp = ls.properties.typeProperties;
    const host = typeof tp.host === 'string' ? tp.host : '';
    if (!host) throw new DmgwError('FILESERVER_HOST', `linked service ${ls.name} has no "host" (the root folder)`, { file: ls.file, field: 'properties.typeProperties.host' }, 'set "host": "/data/exports" (or a share path)');
    return { type: 'FileServer', host, ...(typeof tp.userId === 'string' && tp.userId ? { user: tp.userId } : {}) };
  },
};

/** Linked-service types whose credentials can be bound (and so encrypted). */
export const BINDABLE_TYPES = Object.keys(TARGETS);

/** The target of a linked service whose parameters and expressions are resolved (its secrets may be in it or not). */
export function storeTargetOf(ls: LinkedService): StoreTarget {
  const of = TARGETS[String(ls.properties.type).toLowerCase()];
  if (!of) {
    throw new DmgwError(
      'CREDENTIAL_TARGET_UNKNOWN',
      `linked service ${ls.name} is of type ${ls.properties.type}: the gateway does not connect to it, so it cannot bind a credential to its server`,
      { file: ls.file, field: 'properties.type' },
      'credentials are encrypted for the stores the gateway connects to: PostgreSQL, MySQL/MariaDB, SQL Server, Azure Blob Storage, FileServer',
    );
  }
  return of(ls);
}

/**
 * The linked service as a run would see it when nothing is passed to its parameters: expressions evaluated with the
 * parameters' default values. A credential is bound to the target this names; a run that passes other values names
 * another target and is refused. A parameter the typeProperties use without a default is an error here.
 */
export function withParameterDefaults(ls: LinkedService): LinkedService {
  const specs = ls.properties.parameters ?? {};
  const defaults: Record<string, unknown> = {};
  for (const [k, s] of Object.entries(specs)) if (s?.defaultValue !== undefined) defaults[k] = s.defaultValue;
  const text = JSON.stringify(ls.properties.typeProperties ?? {});
  const missing = Object.keys(specs).filter((k) => !(k in defaults) && new RegExp(`linkedService\\(\\)\\s*(\\.\\s*${escapeRegExp(k)}\\b|\\[\\s*'${escapeRegExp(k)}'\\s*\\])`, 'i').test(text));
  if (missing.length) {
    throw new DmgwError(
      'CREDENTIAL_TARGET_PARAMETER',
      `linked service ${ls.name} takes ${missing.map((m) => `parameter ${m}`).join(', ')} without a defaultValue, so the server its credential is for is not known`,
      { file: ls.file, field: `properties.parameters.${missing[0]}` },
      'give the parameter a defaultValue: the credential is bound to the server those values name, and a run that passes other values is refused',
    );
  }
  const typeProperties = resolveExpressions(ls.properties.typeProperties ?? {}, { linkedService: defaults }) as LinkedService['properties']['typeProperties'];
  return { ...ls, properties: { ...ls.properties, typeProperties } };
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
