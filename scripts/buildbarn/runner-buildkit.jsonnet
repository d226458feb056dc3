// bb_runner of the buildkit pool.
(import 'runner.libsonnet')('buildkit')
