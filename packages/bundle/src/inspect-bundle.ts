/**
 * inspectBundle: everything a registry or CLI needs to know about a bundle (manifest, file list,
 * sizes, content hash), judged by every archive rule, without writing anything to disk.
 */
import { readBundle, type BundleInfo, type BundleSource, type ReadBundleOptions } from './read-bundle.js';

export function inspectBundle(source: BundleSource, options: ReadBundleOptions = {}): Promise<BundleInfo> {
  return readBundle(source, undefined, options);
}
