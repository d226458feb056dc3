// bb_storage: the CAS, the action cache and the file system access cache, on local disk.
local bb = import 'buildbarn.libsonnet';
local GiB = 1024 * 1024 * 1024;
local MiB = 1024 * 1024;

{
  grpcServers: bb.grpcServer(bb.ports.storage),
  maximumMessageSizeBytes: bb.maximumMessageSizeBytes,
  global: {},
  contentAddressableStorage: {
    // Sparse files: only what is written takes disk space.
    backend: bb.localStore('storage-cas', 256 * MiB, 8 * GiB, 3),
    getAuthorizer: bb.allowAll,
    putAuthorizer: bb.allowAll,
    findMissingAuthorizer: bb.allowAll,
  },
  actionCache: {
    backend: bb.localStore('storage-ac', 4 * MiB, 64 * MiB, 1),
    getAuthorizer: bb.allowAll,
    putAuthorizer: bb.allowAll,
  },
  fileSystemAccessCache: {
    backend: bb.localStore('storage-fsac', 4 * MiB, 64 * MiB, 1),
    getAuthorizer: bb.allowAll,
    putAuthorizer: bb.allowAll,
  },
}
