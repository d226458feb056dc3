// Shared settings of this project's one-machine Buildbarn deployment (see
// scripts/buildbarn-setup). Every service listens on 127.0.0.1 only. Relative paths are
// relative to the working directory the services start in: $CACHE/buildbarn/state.
local site = import 'site.libsonnet';

{
  ports: {
    frontend: 8980,  // Bazel: --remote_executor=grpc://127.0.0.1:8980
    storage: 8981,
    schedulerClients: 8982,
    schedulerWorkers: 8983,
    schedulerAdmin: 7982,
    // Prometheus /metrics of each worker: remote-execution-test counts the actions
    // each pool ran from them.
    metrics: { plain: 9986, buildkit: 9988 },
  },
  local ports = self.ports,

  addr(port):: '127.0.0.1:' + port,
  local addr = self.addr,

  // The platform property that routes image actions: the linuxkit_pkg rules put
  // exec_properties {'buildkit.linuxkit-buildkit': '1'} on their "buildkit" exec group,
  // which Bazel sends as the action's platform property linuxkit-buildkit=1.
  buildkitProperty: { name: 'linuxkit-buildkit', value: '1' },

  buildkitHost: site.buildkitHost,

  maximumMessageSizeBytes: 16 * 1024 * 1024,
  allowAll: { allow: {} },

  grpcServer(port):: [{
    listenAddresses: [addr(port)],
    authenticationPolicy: { allow: {} },
  }],

  globalWithMetrics(port):: {
    diagnosticsHttpServer: {
      httpServers: [{ listenAddresses: [addr(port)], authenticationPolicy: { allow: {} } }],
      enablePrometheus: true,
    },
  },

  storageClient:: { grpc: { client: { address: addr(ports.storage) } } },

  // What the frontend, scheduler and workers read and write: everything through
  // bb_storage; the action cache checks that an entry's outputs are still in the CAS.
  blobstore:: {
    contentAddressableStorage: $.storageClient,
    actionCache: {
      completenessChecking: {
        backend: $.storageClient,
        maximumTotalTreeSizeBytes: 64 * 1024 * 1024,
      },
    },
  },

  // A local (on-disk, circular, persistent across restarts) blob store.
  localStore(dir, mapBytes, blockBytes, newBlocks):: {
    'local': {
      keyLocationMapOnBlockDevice: { file: { path: dir + '/key_location_map', sizeBytes: mapBytes } },
      keyLocationMapMaximumGetAttempts: 16,
      keyLocationMapMaximumPutAttempts: 64,
      oldBlocks: 8,
      currentBlocks: 24,
      newBlocks: newBlocks,
      blocksOnBlockDevice: {
        source: { file: { path: dir + '/blocks', sizeBytes: blockBytes } },
        spareBlocks: 3,
      },
      persistent: { stateDirectoryPath: dir + '/persistent_state', minimumEpochInterval: '60s' },
    },
  },
}
