// A bb_worker pool: fetches inputs from storage into state/worker-<pool>/build and hands
// the action to its bb_runner over a unix socket.
local bb = import 'buildbarn.libsonnet';

function(pool, platform, concurrency, environment) {
  blobstore: bb.blobstore,
  browserUrl: 'http://127.0.0.1:7984',
  maximumMessageSizeBytes: bb.maximumMessageSizeBytes,
  scheduler: { address: bb.addr(bb.ports.schedulerWorkers) },
  global: bb.globalWithMetrics(bb.ports.metrics[pool]),
  buildDirectories: [{
    native: {
      buildDirectoryPath: std.extVar('PWD') + '/worker-' + pool + '/build',
      cacheDirectoryPath: 'worker-' + pool + '/cache',
      maximumCacheFileCount: 20000,
      maximumCacheSizeBytes: 2 * 1024 * 1024 * 1024,
      cacheReplacementPolicy: 'LEAST_RECENTLY_USED',
    },
    runners: [{
      endpoint: { address: 'unix:worker-' + pool + '/runner' },
      concurrency: concurrency,
      maximumFilePoolFileCount: 10000,
      maximumFilePoolSizeBytes: 1024 * 1024 * 1024,
      platform: platform,
      workerId: { pool: pool },
      // Set in every action this pool runs (an action's own variables win).
      environmentVariables: environment,
    }],
  }],
  filePool: { blockDevice: { file: { path: 'worker-' + pool + '/filepool', sizeBytes: 1024 * 1024 * 1024 } } },
  inputDownloadConcurrency: 10,
  outputUploadConcurrency: 11,
  directoryCache: {
    maximumCount: 1000,
    maximumSizeBytes: 1000 * 1024,
    cacheReplacementPolicy: 'LEAST_RECENTLY_USED',
  },
}
