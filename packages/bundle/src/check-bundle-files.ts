/**
 * Cross-checks between a valid manifest and the files of its archive (SPEC section 3): what the
 * manifest points at must be there. Separate from validateManifest because the CLI checks a
 * directory before packing and the registry an archive after upload, with the same rules.
 */
import type { ManifestIssue } from './bundle-error.js';
import type { Manifest } from './manifest-schema.js';

export function checkBundleFiles(manifest: Manifest, files: Iterable<string>): ManifestIssue[] {
  const present = files instanceof Set ? (files as Set<string>) : new Set(files);
  const issues: ManifestIssue[] = [];
  const needsComponent = (manifest.api?.endpoints.length ?? 0) > 0 || (manifest.events?.length ?? 0) > 0;
  if (needsComponent && !present.has(manifest.entry)) {
    issues.push({
      path: 'entry',
      message: `${JSON.stringify(manifest.entry)} is not in the bundle (a component is required when the manifest declares api endpoints or events)`,
    });
  }
  if (manifest.ui) {
    if (!manifest.ui.entry.startsWith('ui/')) {
      issues.push({ path: 'ui.entry', message: 'must be a file under ui/' });
    } else if (!present.has(manifest.ui.entry)) {
      issues.push({ path: 'ui.entry', message: `${JSON.stringify(manifest.ui.entry)} is not in the bundle` });
    }
  }
  if (manifest.sbom !== undefined && !present.has(manifest.sbom)) {
    issues.push({ path: 'sbom', message: `${JSON.stringify(manifest.sbom)} is not in the bundle` });
  }
  return issues;
}
