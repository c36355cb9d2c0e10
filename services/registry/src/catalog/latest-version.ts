import semver from 'semver';

/** `latestVersion` (SPEC section 5): the highest SemVer, excluding prereleases and yanked versions. */
export function latestVersion(versions: { semver: string; yanked: boolean }[]): string | null {
  const candidates = versions
    .filter((v) => !v.yanked && semver.prerelease(v.semver) === null)
    .map((v) => v.semver);
  return semver.rsort(candidates)[0] ?? null;
}
