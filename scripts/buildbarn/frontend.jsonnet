// bb_storage as the frontend Bazel talks to: storage requests go to bb_storage,
// Execute requests to the scheduler (instance name "").
local bb = import 'buildbarn.libsonnet';

{
  grpcServers: bb.grpcServer(bb.ports.frontend),
  maximumMessageSizeBytes: bb.maximumMessageSizeBytes,
  global: {},
  schedulers: {
    '': { endpoint: { address: bb.addr(bb.ports.schedulerClients) } },
  },
  contentAddressableStorage: {
    backend: bb.blobstore.contentAddressableStorage,
    getAuthorizer: bb.allowAll,
    putAuthorizer: bb.allowAll,
    findMissingAuthorizer: bb.allowAll,
  },
  actionCache: {
    backend: bb.blobstore.actionCache,
    getAuthorizer: bb.allowAll,
    putAuthorizer: bb.allowAll,
  },
  executeAuthorizer: bb.allowAll,
}
