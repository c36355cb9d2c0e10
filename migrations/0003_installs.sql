-- Installs, secrets and the gateway (SPEC section 5, Installs and Gateway).

-- An update whose target version asks for capabilities or egress hosts beyond the install's grants
-- waits here for approval (409 APPROVAL_REQUIRED); the install keeps running its current version.
-- {versionId, version, grantedCaps, egress, config?, newCapabilities, newEgress, requestedAt}
ALTER TABLE tenant_extension_install ADD COLUMN pending_update jsonb;
--> statement-breakpoint
-- When a secret was first set (updated_at and version track the latest write).
ALTER TABLE tenant_extension_secret ADD COLUMN created_at timestamptz NOT NULL DEFAULT now();
