/**
 * Tables of the service, created on start when missing. Names are ARM's: a factory is keyed by its lower-cased
 * ARM id; resources (linked services, datasets, pipelines, integration runtimes) by (factory, kind, lower-cased name),
 * since ADF names are case-insensitive. Gateway key secrets, job payloads and the originals of resources that hold a
 * secret are sealed (see ../secrets/sealing.ts); node credentials are stored only as SHA-256 hashes (the current one,
 * and the one its last renewal replaced while it stays valid).
 */
import { createHash } from 'node:crypto';
import type { Sealer } from '../secrets/sealing.js';
import type { Sql } from './sql.js';
import { sealLegacyRows } from './upgrade.js';

const DDL = `
create table if not exists factories (
  id text primary key,
  subscription text not null,
  resource_group text not null,
  name text not null,
  location text,
  tags jsonb,
  identity jsonb,
  properties jsonb not null,
  etag text not null,
  created_at timestamptz not null default now()
);
create table if not exists resources (
  factory_id text not null references factories(id) on delete cascade,
  kind text not null,
  lname text not null,
  name text not null,
  properties jsonb not null,
  sealed text,
  etag text not null,
  updated_at timestamptz not null default now(),
  primary key (factory_id, kind, lname)
);
create table if not exists gateways (
  id uuid primary key,
  factory_id text not null references factories(id) on delete cascade,
  lname text not null,
  name text not null,
  key1_sealed text not null,
  key1_gen int not null default 1,
  key2_sealed text not null,
  key2_gen int not null default 1,
  auto_update text not null default 'On',
  update_delay_offset text,
  upgrade_requested_at timestamptz,
  created_at timestamptz not null default now(),
  unique (factory_id, lname)
);
create table if not exists nodes (
  id uuid primary key,
  gateway_id uuid not null references gateways(id) on delete cascade,
  lname text not null,
  name text not null,
  token_hash text not null unique,
  key_name text not null,
  key_gen int not null,
  certificate_pem text not null,
  certificate_thumbprint text not null,
  machine jsonb not null,
  concurrent_jobs_limit int not null,
  max_concurrent_jobs int not null,
  cpu_percent real,
  available_memory_mb int,
  running_jobs int not null default 0,
  registered_at timestamptz not null default now(),
  last_seen_at timestamptz not null default now(),
  last_heartbeat_at timestamptz,
  unique (gateway_id, lname)
);
create table if not exists runs (
  run_id uuid primary key,
  factory_id text not null references factories(id) on delete cascade,
  pipeline_name text not null,
  parameters jsonb not null,
  status text not null,
  message text not null default '',
  gateway_id uuid,
  run_start timestamptz not null default now(),
  run_end timestamptz,
  last_updated timestamptz not null default now(),
  cancel_requested boolean not null default false
);
create index if not exists runs_factory_updated on runs (factory_id, last_updated);
create index if not exists runs_gateway on runs (gateway_id);
create table if not exists activity_runs (
  activity_run_id uuid primary key,
  run_id uuid not null references runs(run_id) on delete cascade,
  activity_name text not null,
  activity_type text not null,
  linked_service_name text,
  status text not null,
  run_start timestamptz not null default now(),
  run_end timestamptz,
  input jsonb,
  output jsonb,
  error jsonb,
  last_updated timestamptz not null default now()
);
create table if not exists jobs (
  id uuid primary key,
  run_id uuid not null references runs(run_id) on delete cascade,
  gateway_id uuid not null,
  status text not null,
  payload_sealed text not null,
  attempt int not null default 0,
  max_attempts int not null,
  node_id uuid,
  lease_token text,
  lease_expires_at timestamptz,
  enqueued_at timestamptz not null default now(),
  leased_at timestamptz,
  finished_at timestamptz,
  last_error text
);
create index if not exists jobs_queue on jobs (gateway_id, status, enqueued_at);
create index if not exists jobs_leases on jobs (status, lease_expires_at);
create table if not exists agent_releases (
  version text primary key,
  sha256 text not null,
  signature text not null,
  size int not null,
  bundle bytea not null,
  published_at timestamptz not null default now()
);
alter table nodes add column if not exists upgrading_to text;
alter table nodes add column if not exists token_expires_at timestamptz;
alter table nodes add column if not exists prev_token_hash text;
alter table nodes add column if not exists prev_token_expires_at timestamptz;
create unique index if not exists nodes_prev_token on nodes (prev_token_hash);
alter table resources add column if not exists sealed text;
alter table jobs add column if not exists payload_sealed text;
alter table agent_releases add column if not exists manifest bytea;
create table if not exists support_reports (
  id uuid primary key,
  gateway_id uuid references gateways(id) on delete cascade,
  factory_name text not null,
  gateway_name text not null,
  node_name text not null,
  agent_version text not null,
  note text,
  size int not null,
  sha256 text not null,
  bundle bytea not null,
  created_at timestamptz not null default now()
);
create index if not exists support_reports_gateway on support_reports (gateway_id, created_at);
alter table gateways add column if not exists rollout_status text;
alter table gateways add column if not exists rollout_version text;
alter table gateways add column if not exists rollout_node_id uuid;
alter table gateways add column if not exists rollout_node_asked_at timestamptz;
alter table gateways add column if not exists rollout_reason text;
alter table gateways add column if not exists rollout_started_at timestamptz;
alter table gateways add column if not exists rollout_ended_at timestamptz;
alter table nodes add column if not exists bytes_read bigint not null default 0;
alter table nodes add column if not exists bytes_written bigint not null default 0;
alter table jobs add column if not exists pickup_seconds real;
-- per-activity dispatch (service/orchestration): the service orchestrates a run, each data activity is a job.
-- jobs before runs: the order the queue takes their locks in (acquire), so a replica at work cannot deadlock with this
alter table jobs add column if not exists activity_run_id uuid;
alter table jobs add column if not exists replay_key text;
alter table jobs add column if not exists result_sealed text;
alter table jobs add column if not exists cancel_requested boolean not null default false;
create index if not exists jobs_run on jobs (run_id, replay_key);
alter table runs add column if not exists orchestrated boolean not null default false;
alter table runs add column if not exists parameters_sealed text;
alter table runs add column if not exists parent_run_id uuid;
alter table runs add column if not exists invoked_by jsonb;
alter table runs add column if not exists owner text;
alter table runs add column if not exists owner_seen_at timestamptz;
create index if not exists runs_parent on runs (parent_run_id);
create index if not exists runs_orchestrated on runs (orchestrated, status);
alter table activity_runs drop constraint if exists activity_runs_run_id_activity_name_key;
create index if not exists activity_runs_run on activity_runs (run_id, activity_name);
alter table activity_runs add column if not exists details jsonb;
alter table activity_runs add column if not exists parent_activity_run_id uuid;
alter table activity_runs add column if not exists iteration int;
-- interactive jobs (Test Connection through a gateway): a queue of their own, served ahead of jobs (store/probes.ts)
create table if not exists probes (
  id uuid primary key,
  gateway_id uuid not null references gateways(id) on delete cascade,
  status text not null,
  payload_sealed text not null,
  node_id uuid,
  lease_token text,
  result jsonb,
  enqueued_at timestamptz not null default now(),
  leased_at timestamptz,
  finished_at timestamptz
);
create index if not exists probes_queue on probes (gateway_id, status, enqueued_at);
-- releases from before manifests were signed by the service's own TLS key: no node may run them, so none is offered
delete from agent_releases where manifest is null;
`;

/** What this version's migration does, as a fingerprint: a store already at it is left alone. */
const MIGRATION = createHash('sha256').update(`${DDL}\ngateway foreign keys v1\nsealed payloads v1`).digest('hex');

/**
 * Brings the store to this version's tables. Replicas share the store and restart one at a time under load, so a
 * store already at this version takes no table lock at all (ALTER TABLE … IF NOT EXISTS still locks the table
 * exclusively, and did deadlock with the running replica's leases); one that is not is upgraded whole, in one
 * transaction, tried again if PostgreSQL picks it as a deadlock victim.
 */
export async function migrate(sql: Sql, sealer: Sealer): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await sql.tx((q) => migrateOnce(q, sealer));
    } catch (e) {
      if ((e as { code?: string }).code !== DEADLOCK || attempt >= 5) throw e;
      await new Promise((r) => setTimeout(r, 100 * attempt));
    }
  }
}
const DEADLOCK = '40P01';

async function migrateOnce(q: Pick<Sql, 'query'>, sealer: Sealer): Promise<void> {
  // Several replicas may start together on one PostgreSQL: one of them creates the tables.
  await q.query('select pg_advisory_xact_lock(775533)');
  await q.query('create table if not exists store_migration (id int primary key, fingerprint text not null, migrated_at timestamptz not null default now())');
  const [done] = await q.query<{ fingerprint: string }>('select fingerprint from store_migration where id = 1');
  if (done?.fingerprint === MIGRATION) return;
  // A store made before secrets were sealed has jobs.payload in the clear: its rows are sealed (and masked) in the
  // same transaction that adds the columns, so the upgrade happens once and whole, or not at all.
  const legacy = (await q.query(`select 1 from information_schema.columns where table_schema = current_schema() and table_name = 'jobs' and column_name = 'payload'`)).length > 0;
  for (const stmt of DDL.split(';').map((s) => s.trim()).filter(Boolean)) await q.query(stmt);
  if (legacy) await sealLegacyRows(q, sealer);
  await gatewayForeignKeys(q);
  await q.query('insert into store_migration (id, fingerprint) values (1, $1) on conflict (id) do update set fingerprint = excluded.fingerprint, migrated_at = now()', [MIGRATION]);
}

/**
 * Keys added after the tables first shipped: a job always belongs to a gateway that exists (deleting the gateway ends
 * its jobs first, then the key takes them along), and a run's gateway is cleared when the gateway goes. A store from
 * before may hold jobs of a gateway deleted back then, queued forever: their runs fail and the jobs go, once.
 */
async function gatewayForeignKeys(q: Pick<Sql, 'query'>): Promise<void> {
  const has = async (name: string) => (await q.query('select 1 from pg_constraint where conname = $1 and connamespace = current_schema()::regnamespace', [name])).length > 0;
  if (!(await has('jobs_gateway_fk'))) {
    await q.query(
      `update runs r set status = 'Failed', message = 'its integration runtime was deleted before this run ended', run_end = now(), last_updated = now()
       where r.status not in ('Succeeded', 'Failed', 'Cancelled')
         and exists (select 1 from jobs j where j.run_id = r.run_id and j.status <> 'done' and not exists (select 1 from gateways g where g.id = j.gateway_id))`,
    );
    await q.query('delete from jobs j where not exists (select 1 from gateways g where g.id = j.gateway_id)');
    await q.query('alter table jobs add constraint jobs_gateway_fk foreign key (gateway_id) references gateways(id) on delete cascade');
  }
  if (!(await has('runs_gateway_fk'))) {
    await q.query('update runs r set gateway_id = null where gateway_id is not null and not exists (select 1 from gateways g where g.id = r.gateway_id)');
    await q.query('alter table runs add constraint runs_gateway_fk foreign key (gateway_id) references gateways(id) on delete set null');
  }
}
