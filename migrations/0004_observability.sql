-- Observability, quotas and events (issue 8).

-- Per-install quota limits, {invocationsPerMinute?, cpuMsPerMinute?, memMbMsPerMinute?,
-- egressBytesPerMinute?}; a missing limit falls back to the platform default (EXT_QUOTA_*).
ALTER TABLE tenant_extension_install ADD COLUMN quota jsonb;
--> statement-breakpoint
-- Who wrote the row: the gateway, the runner (a direct call to /v1/execute) or the event dispatcher.
ALTER TABLE extension_execution_log ADD COLUMN source text NOT NULL DEFAULT 'gateway'
  CHECK (source IN ('gateway', 'runner', 'event'));
--> statement-breakpoint
CREATE INDEX extension_execution_log_event_idx ON extension_execution_log (tenant_id, event_id)
  WHERE event_id IS NOT NULL;
--> statement-breakpoint
-- Events a tenant posted, kept to deduplicate by id (the primary key) until the retention purge.
CREATE TABLE extension_event (
  tenant_id text NOT NULL,
  id text NOT NULL,
  topic text NOT NULL,
  payload jsonb NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  deliveries integer NOT NULL DEFAULT 0,
  PRIMARY KEY (tenant_id, id)
);
--> statement-breakpoint
CREATE INDEX extension_event_received_idx ON extension_event (received_at);
--> statement-breakpoint
ALTER TABLE extension_event ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE extension_event FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY tenant_isolation ON extension_event TO annex_app
  USING (tenant_id = current_setting('app.tenant_id', true))
  WITH CHECK (tenant_id = current_setting('app.tenant_id', true));
--> statement-breakpoint
CREATE POLICY system_access ON extension_event TO annex_system USING (true) WITH CHECK (true);
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON extension_event TO annex_app, annex_system;
