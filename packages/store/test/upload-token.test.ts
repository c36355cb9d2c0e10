import t from 'tap';
import { createUploadToken, verifyUploadToken } from '@annex/store';

const SECRET = 'registry-upload-secret-0123456789abcdef';
const NOW = new Date('2030-01-01T00:00:00Z');
const LATER = new Date(NOW.getTime() + 15 * 60_000);
const claims = {
  uploadId: 'b3c0d7a2-5f7e-4d0e-9a43-0c1f2e3d4b5a',
  expiresAt: LATER,
  maxBytes: 200 * 1024 * 1024,
};

t.test('a valid token carries its expiry and byte cap', async (t) => {
  const token = createUploadToken(claims, SECRET);
  t.match(token, /^v1\.\d+\.\d+\.[A-Za-z0-9_-]{43}$/);
  t.ok(token.length < 100, 'short enough for a query string');
  t.same(verifyUploadToken(token, claims.uploadId, SECRET, NOW), {
    ok: true,
    expiresAt: LATER,
    maxBytes: claims.maxBytes,
  });
  t.same(verifyUploadToken(token, claims.uploadId, Buffer.from(SECRET), NOW).ok, true, 'Buffer secret');
  t.equal(encodeURIComponent(token), token, 'URL-safe as is');
});

t.test('expired: valid until the end of its second, refused after', async (t) => {
  const token = createUploadToken(claims, SECRET);
  t.equal(verifyUploadToken(token, claims.uploadId, SECRET, new Date(LATER.getTime() + 999)).ok, true);
  t.same(verifyUploadToken(token, claims.uploadId, SECRET, new Date(LATER.getTime() + 1000)), {
    ok: false,
    reason: 'expired',
  });
});

t.test('tampered tokens are invalid', async (t) => {
  const token = createUploadToken(claims, SECRET);
  const [v, exp, max, mac] = token.split('.') as [string, string, string, string];
  const forged = [
    [v, String(Number(exp) + 3600), max, mac],
    [v, exp, String(Number(max) * 2), mac],
    [v, exp, max, `${mac.slice(0, -1)}${mac.endsWith('A') ? 'B' : 'A'}`],
  ].map((parts) => parts.join('.'));
  for (const f of forged)
    t.same(verifyUploadToken(f, claims.uploadId, SECRET, NOW), { ok: false, reason: 'invalid' }, f);
  t.same(verifyUploadToken(token, claims.uploadId, 'another-secret-of-enough-length-012345', NOW), {
    ok: false,
    reason: 'invalid',
  });
});

t.test('a token works for its own upload only', async (t) => {
  const token = createUploadToken(claims, SECRET);
  t.same(verifyUploadToken(token, 'another-upload', SECRET, NOW), { ok: false, reason: 'invalid' });
  t.same(verifyUploadToken(token, '../etc', SECRET, NOW), { ok: false, reason: 'invalid' });
});

t.test('malformed tokens', async (t) => {
  for (const bad of [
    '',
    'v1',
    'v2.1.2.abc',
    'v1.x.1.' + 'A'.repeat(43),
    'v1.1.1.' + 'A'.repeat(42),
    'v1.1.1.' + '+'.repeat(43),
  ]) {
    t.same(verifyUploadToken(bad, claims.uploadId, SECRET, NOW), { ok: false, reason: 'malformed' }, bad);
  }
  t.same(verifyUploadToken(undefined as unknown as string, claims.uploadId, SECRET, NOW), {
    ok: false,
    reason: 'malformed',
  });
});

t.test('weak secrets and bad claims are refused at creation', async (t) => {
  t.throws(() => createUploadToken(claims, 'short'), RangeError);
  t.throws(() => verifyUploadToken('v1.1.1.x', claims.uploadId, 'short'), RangeError);
  t.throws(() => createUploadToken({ ...claims, uploadId: '../x' }, SECRET), { code: 'INVALID_KEY' });
  t.throws(() => createUploadToken({ ...claims, maxBytes: -1 }, SECRET), RangeError);
  t.throws(() => createUploadToken({ ...claims, expiresAt: new Date(NaN) }, SECRET), RangeError);
});
