// bb_scheduler: one queue per platform (the action's platform properties); a worker
// takes actions from the queue whose platform equals its runner's.
local bb = import 'buildbarn.libsonnet';

{
  adminHttpServers: [{
    listenAddresses: [bb.addr(bb.ports.schedulerAdmin)],
    authenticationPolicy: bb.allowAll,
  }],
  clientGrpcServers: bb.grpcServer(bb.ports.schedulerClients),
  workerGrpcServers: bb.grpcServer(bb.ports.schedulerWorkers),
  browserUrl: 'http://127.0.0.1:7984',
  contentAddressableStorage: bb.blobstore.contentAddressableStorage,
  maximumMessageSizeBytes: bb.maximumMessageSizeBytes,
  global: {},
  executeAuthorizer: bb.allowAll,
  modifyDrainsAuthorizer: bb.allowAll,
  killOperationsAuthorizer: bb.allowAll,
  synchronizeAuthorizer: bb.allowAll,
  actionRouter: {
    simple: {
      platformKeyExtractor: { action: {} },
      invocationKeyExtractors: [{ toolInvocationId: {} }],
      initialSizeClassAnalyzer: {
        defaultExecutionTimeout: '1800s',
        maximumExecutionTimeout: '3600s',
      },
    },
  },
  // An action whose platform no worker serves fails after this long instead of
  // waiting forever (e.g. the buildkit pool is not running).
  platformQueueWithNoWorkersTimeout: '60s',
}
