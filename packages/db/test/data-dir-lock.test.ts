import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { DataDirInUseError, lockDataDir } from '@annex/db';
import { tempDir } from '@annex/test-support';

t.test('one process per embedded data dir', async (t) => {
  const dir = tempDir();
  t.teardown(dir.remove);
  // A lock held by a live process (our parent stands in for another Annex process).
  writeFileSync(join(dir.path, 'annex.lock'), String(process.ppid));
  t.throws(() => lockDataDir(dir.path), DataDirInUseError);
  t.throws(
    () => lockDataDir(dir.path),
    /in use by process \d+; stop that process first, or set DATABASE_URL/,
  );
});

t.test('a lock left by a dead process is taken over', async (t) => {
  const dir = tempDir();
  t.teardown(dir.remove);
  writeFileSync(join(dir.path, 'annex.lock'), '2147483646');
  const unlock = lockDataDir(dir.path);
  t.throws(() => {
    writeFileSync(join(dir.path, 'annex.lock'), 'x', { flag: 'wx' });
  }, /EEXIST/);
  unlock();
  const again = lockDataDir(dir.path);
  again();
});
