-- Annex schema, SPEC section 8. Statements are separated by "--> statement-breakpoint" lines because
-- PGlite runs one statement per query; the whole file still runs in one transaction.

-- Roles used by every query of the services (FACTS.md, PostgreSQL): annex_app is bound to one
-- tenant by row level security; annex_system is for cross-tenant maintenance (dispatch, purges).
-- Both are NOLOGIN: the services connect as their own user and SET LOCAL ROLE per transaction.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'annex_app') THEN
    BEGIN
      CREATE ROLE annex_app NOLOGIN NOSUPERUSER NOBYPASSRLS NOINHERIT;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; -- created by a concurrent migration
    END;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'annex_system') THEN
    BEGIN
      CREATE ROLE annex_system NOLOGIN NOSUPERUSER NOBYPASSRLS NOINHERIT;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
    END;
  END IF;
  -- The connecting user must be able to SET ROLE to both (a superuser always can).
  IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
    EXECUTE format('GRANT annex_app, annex_system TO %I', current_user);
  END IF;
END
$$;
--> statement-breakpoint
GRANT USAGE ON SCHEMA public TO annex_app, annex_system;
--> statement-breakpoint

-- Catalog: shared by all tenants, written by the registry as the connecting user.
CREATE TABLE extension_registry (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  publisher text NOT NULL CHECK (publisher ~ '^[a-z0-9][a-z0-9-]{0,38}$'),
  name text NOT NULL CHECK (name ~ '^[a-z0-9][a-z0-9-]{0,63}$'),
  display_name text,
  description text,
  latest_version text,
  deprecation jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT extension_registry_slug_unique UNIQUE (publisher, name)
);
--> statement-breakpoint
CREATE TABLE extension_bundle (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  content_hash text NOT NULL CHECK (content_hash ~ '^sha256:[0-9a-f]{64}$'),
  storage_url text NOT NULL,
  size bigint NOT NULL CHECK (size > 0),
  runtime text NOT NULL,
  sdk_version text,
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT extension_bundle_hash_unique UNIQUE (content_hash)
);
--> statement-breakpoint
CREATE TABLE extension_version (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  registry_id uuid NOT NULL REFERENCES extension_registry (id) ON DELETE RESTRICT,
  semver text NOT NULL,
  content_hash text NOT NULL REFERENCES extension_bundle (content_hash) ON DELETE RESTRICT,
  signature jsonb,
  signature_status text NOT NULL CHECK (signature_status IN ('verified', 'unverified', 'unsigned')),
  signer text,
  sbom_ref text,
  manifest jsonb NOT NULL,
  yanked boolean NOT NULL DEFAULT false,
  yank_reason text,
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT extension_version_semver_unique UNIQUE (registry_id, semver)
);
--> statement-breakpoint
CREATE INDEX extension_version_content_hash_idx ON extension_version (content_hash);
--> statement-breakpoint

-- API keys: only the hash is stored.
CREATE TABLE api_key (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  hash text NOT NULL,
  role text NOT NULL CHECK (role IN ('admin', 'publisher', 'tenant', 'gateway')),
  scope jsonb NOT NULL DEFAULT '{}'::jsonb,
  name text,
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz,
  CONSTRAINT api_key_hash_unique UNIQUE (hash)
);
--> statement-breakpoint

-- Tenant tables. Every one carries tenant_id and is guarded by row level security below.
CREATE TABLE tenant_extension_install (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id text NOT NULL CHECK (tenant_id ~ '^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$'),
  registry_id uuid NOT NULL REFERENCES extension_registry (id) ON DELETE RESTRICT,
  version_id uuid NOT NULL REFERENCES extension_version (id) ON DELETE RESTRICT,
  status text NOT NULL DEFAULT 'enabled' CHECK (status IN ('enabled', 'disabled', 'pending')),
  granted_caps jsonb NOT NULL DEFAULT '[]'::jsonb,
  egress jsonb NOT NULL DEFAULT '[]'::jsonb,
  config jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT tenant_extension_install_unique UNIQUE (tenant_id, registry_id),
  -- Lets child rows prove their install belongs to the same tenant.
  CONSTRAINT tenant_extension_install_id_tenant_unique UNIQUE (id, tenant_id)
);
--> statement-breakpoint
CREATE INDEX tenant_extension_install_version_idx ON tenant_extension_install (version_id);
--> statement-breakpoint
CREATE TABLE tenant_extension_secret (
  install_id uuid NOT NULL,
  tenant_id text NOT NULL,
  name text NOT NULL,
  ciphertext text NOT NULL,
  key_id text NOT NULL,
  version integer NOT NULL DEFAULT 1,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (install_id, name),
  FOREIGN KEY (install_id, tenant_id) REFERENCES tenant_extension_install (id, tenant_id) ON DELETE CASCADE
);
--> statement-breakpoint
CREATE INDEX tenant_extension_secret_key_id_idx ON tenant_extension_secret (key_id);
--> statement-breakpoint
CREATE TABLE extension_event_subscription (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id text NOT NULL,
  tenant_install_id uuid NOT NULL,
  event text NOT NULL,
  filter jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (tenant_install_id, tenant_id) REFERENCES tenant_extension_install (id, tenant_id) ON DELETE CASCADE
);
--> statement-breakpoint
CREATE INDEX extension_event_subscription_topic_idx ON extension_event_subscription (tenant_id, event);
--> statement-breakpoint
CREATE INDEX extension_event_subscription_install_idx ON extension_event_subscription (tenant_install_id);
--> statement-breakpoint
-- Execution rows outlive their install (audit), so install_id carries no foreign key.
CREATE TABLE extension_execution_log (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id text NOT NULL,
  extension_id uuid NOT NULL,
  install_id uuid,
  request_id text NOT NULL,
  event_id text,
  started_at timestamptz NOT NULL,
  finished_at timestamptz,
  status integer,
  metrics jsonb NOT NULL DEFAULT '{}'::jsonb,
  error text
);
--> statement-breakpoint
CREATE INDEX extension_execution_log_tenant_time_idx ON extension_execution_log (tenant_id, started_at DESC);
--> statement-breakpoint
CREATE INDEX extension_execution_log_extension_time_idx ON extension_execution_log (tenant_id, extension_id, started_at DESC);
--> statement-breakpoint
CREATE INDEX extension_execution_log_request_idx ON extension_execution_log (request_id);
--> statement-breakpoint
CREATE INDEX extension_execution_log_started_idx ON extension_execution_log (started_at);
--> statement-breakpoint
CREATE TABLE extension_quota_usage (
  tenant_id text NOT NULL,
  extension_id uuid NOT NULL,
  window_start timestamptz NOT NULL,
  cpu_ms bigint NOT NULL DEFAULT 0,
  mem_mb_ms bigint NOT NULL DEFAULT 0,
  invocations bigint NOT NULL DEFAULT 0,
  egress_bytes bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (tenant_id, extension_id, window_start)
);
--> statement-breakpoint
CREATE INDEX extension_quota_usage_window_idx ON extension_quota_usage (window_start);
--> statement-breakpoint
CREATE TABLE extension_kv (
  tenant_id text NOT NULL,
  install_id uuid NOT NULL,
  key text NOT NULL,
  value bytea NOT NULL,
  revision bigint NOT NULL DEFAULT 1,
  expires_at timestamptz,
  PRIMARY KEY (install_id, key),
  FOREIGN KEY (install_id, tenant_id) REFERENCES tenant_extension_install (id, tenant_id) ON DELETE CASCADE
);
--> statement-breakpoint
CREATE INDEX extension_kv_tenant_idx ON extension_kv (tenant_id);
--> statement-breakpoint
CREATE INDEX extension_kv_expiry_idx ON extension_kv (expires_at) WHERE expires_at IS NOT NULL;
--> statement-breakpoint

-- Row level security: FORCE so not even the table owner reads across tenants. annex_app sees the
-- rows of the tenant named by app.tenant_id (set per transaction), annex_system sees all; any
-- other role, the owner included, sees none.
DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY[
    'tenant_extension_install', 'tenant_extension_secret', 'extension_event_subscription',
    'extension_execution_log', 'extension_quota_usage', 'extension_kv'
  ] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format(
      'CREATE POLICY tenant_isolation ON %I TO annex_app
         USING (tenant_id = current_setting(''app.tenant_id'', true))
         WITH CHECK (tenant_id = current_setting(''app.tenant_id'', true))', t);
    EXECUTE format('CREATE POLICY system_access ON %I TO annex_system USING (true) WITH CHECK (true)', t);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO annex_app, annex_system', t);
  END LOOP;
END
$$;
--> statement-breakpoint
-- The catalog is readable by tenant transactions (installs join versions); only the registry's own
-- connection writes it.
GRANT SELECT ON extension_registry, extension_version, extension_bundle TO annex_app;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON extension_registry, extension_version, extension_bundle, api_key TO annex_system;
