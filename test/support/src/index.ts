export {
  createTestDatabase,
  createEmptyPostgresDatabase,
  dropPostgresDatabase,
  testDatabaseKind,
  postgresAdminUrl,
  type TestDatabase,
} from './test-database.js';
export { waitFor } from './wait-for.js';
export { startNode, type RunningProcess } from './child-process.js';
export { tempDir } from './temp-dir.js';
export { serviceEnv } from './service-env.js';
export { startTestPlatform, TEST_ADMIN_TOKEN } from './platform.js';
export {
  scaffoldManifest,
  tempDirPath,
  makeProject,
  listTree,
  tarHeader,
  paxHeader,
  tarEntryBytes,
  tarArchive,
  zstdCompress,
  manifestEntry,
  countingSource,
  END_OF_ARCHIVE,
  type RawEntry,
} from './bundle-fixtures.js';
export { startS3rver, BUCKET, type RunningS3rver, type S3Settings } from './s3rver-server.js';
export { launchBrowser, CHROMIUM } from './browser.js';
export { seedExtension, seedVersion, seedInstall } from './catalog-seed.js';
export { TEST_REDIS_URL, tcpReachable } from './redis.js';
export { callApi, createApiKey, bundleBytes, publishBundle, type ApiAnswer } from './platform-api.js';
export { parseMetrics, scrapeMetrics, type MetricSample, type MetricsScrape } from './prometheus-scrape.js';
