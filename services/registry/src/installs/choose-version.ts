import semver from 'semver';
import { RegistryError } from '../registry-error.js';

export interface CandidateVersion {
  id: string;
  semver: string;
  yanked: boolean;
  yank_reason: string | null;
}

/**
 * The version an install or update asks for (SPEC sections 5 and 10): an exact version (yanked or
 * missing → 400 VERSION_UNAVAILABLE), `latest`, or a SemVer range (the highest match that is not
 * yanked; none → 404 VERSION_NOT_FOUND). `keep` names a version the install already runs: asking
 * for it again is allowed even when it has been yanked since.
 */
export function chooseVersion<V extends CandidateVersion>(
  slug: string,
  versions: readonly V[],
  spec: string,
  options: { latest: string | null; keep?: string } = { latest: null },
): V {
  const wanted = spec.trim();
  if (wanted === 'latest' || semver.valid(wanted) !== null) {
    const exact = wanted === 'latest' ? options.latest : semver.valid(wanted)!;
    const row = exact === null ? undefined : versions.find((v) => v.semver === exact);
    if (!row) {
      throw wanted === 'latest'
        ? new RegistryError('VERSION_NOT_FOUND', `${slug} has no installable version`)
        : new RegistryError('VERSION_UNAVAILABLE', `${slug} has no version ${exact}`, { version: exact });
    }
    if (row.yanked && row.semver !== options.keep) {
      throw new RegistryError(
        'VERSION_UNAVAILABLE',
        `${slug}@${row.semver} was yanked${row.yank_reason ? `: ${row.yank_reason}` : ''}`,
        { version: row.semver, yanked: true },
      );
    }
    return row;
  }
  const range = semver.validRange(wanted);
  if (range === null) {
    throw new RegistryError('BAD_REQUEST', `${JSON.stringify(spec)} is neither a version nor a SemVer range`);
  }
  const candidates = versions.filter((v) => !v.yanked || v.semver === options.keep).map((v) => v.semver);
  const best = semver.maxSatisfying(candidates, range);
  const row = best === null ? undefined : versions.find((v) => v.semver === best);
  if (!row) {
    throw new RegistryError('VERSION_NOT_FOUND', `no version of ${slug} matches ${wanted}`, {
      range: wanted,
    });
  }
  return row;
}
