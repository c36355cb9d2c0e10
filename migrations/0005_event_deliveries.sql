-- Event dispatch (issue 8): the handler a subscription names, and the delivery queue.

-- The manifest's `events[].handler`, sent to the guest as `x-annex-event-handler`.
ALTER TABLE extension_event_subscription ADD COLUMN handler text;
--> statement-breakpoint
-- One row per (event, install, handler) to deliver: the job queue of the event dispatcher
-- (docs/events.md). Workers claim due rows with FOR UPDATE SKIP LOCKED and hold them with a lease;
-- a worker that dies leaves a row whose lease expires, and another claims it again. The install
-- carries no foreign key (an uninstalled install's delivery is given up and logged, like the
-- execution log it outlives); the event does, so purging an event purges its deliveries.
CREATE TABLE extension_event_delivery (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id text NOT NULL,
  event_id text NOT NULL,
  install_id uuid NOT NULL,
  extension_id uuid NOT NULL,
  handler text,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'running', 'delivered', 'failed')),
  attempts integer NOT NULL DEFAULT 0,
  run_at timestamptz NOT NULL DEFAULT now(),
  lease_until timestamptz,
  last_status integer,
  last_error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (tenant_id, event_id) REFERENCES extension_event (tenant_id, id) ON DELETE CASCADE
);
--> statement-breakpoint
CREATE INDEX extension_event_delivery_event_idx ON extension_event_delivery (tenant_id, event_id);
--> statement-breakpoint
CREATE INDEX extension_event_delivery_due_idx ON extension_event_delivery (run_at) WHERE status = 'pending';
--> statement-breakpoint
CREATE INDEX extension_event_delivery_lease_idx ON extension_event_delivery (lease_until)
  WHERE status = 'running';
--> statement-breakpoint
ALTER TABLE extension_event_delivery ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE extension_event_delivery FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY tenant_isolation ON extension_event_delivery TO annex_app
  USING (tenant_id = current_setting('app.tenant_id', true))
  WITH CHECK (tenant_id = current_setting('app.tenant_id', true));
--> statement-breakpoint
CREATE POLICY system_access ON extension_event_delivery TO annex_system USING (true) WITH CHECK (true);
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON extension_event_delivery TO annex_app, annex_system;
