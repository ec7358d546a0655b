/**
 * Tables of the service, created on start when missing. Names are ARM's: a factory is keyed by its lower-cased
 * ARM id; resources (linked services, datasets, pipelines, integration runtimes) by (factory, kind, lower-cased name),
 * since ADF names are case-insensitive. Gateway key secrets are sealed (see ../secrets/sealing.ts); node credentials
 * are stored only as SHA-256 hashes.
 */
import type { Sql } from './sql.js';

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
  last_updated timestamptz not null default now(),
  unique (run_id, activity_name)
);
create table if not exists jobs (
  id uuid primary key,
  run_id uuid not null references runs(run_id) on delete cascade,
  gateway_id uuid not null,
  status text not null,
  payload jsonb not null,
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
`;

export async function migrate(sql: Sql): Promise<void> {
  await sql.tx(async (q) => {
    // Several replicas may start together on one PostgreSQL: one of them creates the tables.
    await q.query('select pg_advisory_xact_lock(775533)');
    for (const stmt of DDL.split(';').map((s) => s.trim()).filter(Boolean)) await q.query(stmt);
  });
}
