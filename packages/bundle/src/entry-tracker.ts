/**
 * Remembers every entry of an archive to refuse duplicates and shapes no file system can hold
 * (a file below a file, a file where a directory was implied), so unpacking never has to
 * overwrite or guess.
 */
import { invalidEntry } from './bundle-error.js';
import { foldPathKey } from './bundle-path.js';

export class EntryTracker {
  readonly #explicit = new Set<string>();
  readonly #files = new Set<string>();
  readonly #dirs = new Set<string>();
  /** Folded key → first spelling, so `README.md` and `readme.md` cannot both land on macOS. */
  readonly #folded = new Map<string, string>();

  /** `raw` is the name as found in the archive (for the error), `name` its normalized form. */
  add(raw: string, name: string, kind: 'file' | 'directory'): void {
    if (this.#explicit.has(name)) throw invalidEntry(raw, 'duplicate path');
    const segments = name.split('/');
    for (let i = 1; i < segments.length; i++) {
      const parent = segments.slice(0, i).join('/');
      if (this.#files.has(parent)) throw invalidEntry(raw, `its parent "${parent}" is a file`);
      this.#addDir(raw, parent);
    }
    if (kind === 'file') {
      if (this.#dirs.has(name)) throw invalidEntry(raw, 'the path is also a directory');
      this.#checkFolded(raw, name);
      this.#files.add(name);
    } else {
      this.#addDir(raw, name);
    }
    this.#explicit.add(name);
  }

  #addDir(raw: string, dir: string): void {
    if (this.#dirs.has(dir)) return;
    this.#checkFolded(raw, dir);
    this.#dirs.add(dir);
  }

  #checkFolded(raw: string, name: string): void {
    const key = foldPathKey(name);
    const previous = this.#folded.get(key);
    if (previous !== undefined && previous !== name) {
      throw invalidEntry(
        raw,
        `duplicate path: differs from ${JSON.stringify(previous)} only by letter case or Unicode normalization`,
      );
    }
    this.#folded.set(key, name);
  }
}
