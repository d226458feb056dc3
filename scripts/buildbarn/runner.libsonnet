// A bb_runner: runs the commands its bb_worker hands it, on this host, as this user, in
// the worker's build directory.
function(pool) {
  buildDirectoryPath: std.extVar('PWD') + '/worker-' + pool + '/build',
  global: {},
  grpcServers: [{
    listenPaths: ['worker-' + pool + '/runner'],
    authenticationPolicy: { allow: {} },
  }],
}
