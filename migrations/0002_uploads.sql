-- Uploads in flight (SPEC section 5, Uploads): who started them, what they declared, where the bytes
-- are staged, and the finalize outcome so a retried finalize answers the same result.
CREATE TABLE extension_upload (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  -- The API key that initiated it ('bootstrap' for the bootstrap admin token); only it may continue.
  created_by text NOT NULL,
  size bigint NOT NULL CHECK (size > 0),
  sha256 text CHECK (sha256 ~ '^sha256:[0-9a-f]{64}$'),
  filename text,
  staging_key text NOT NULL,
  multipart_id text,
  part_size bigint,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'finalizing', 'finalized', 'aborted')),
  -- A finalize holds the upload until then; a crashed finalize's lease simply runs out.
  lease_until timestamptz,
  result jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL
);
--> statement-breakpoint
CREATE INDEX extension_upload_open_idx ON extension_upload (expires_at) WHERE status IN ('pending', 'finalizing');
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON extension_upload TO annex_system;
