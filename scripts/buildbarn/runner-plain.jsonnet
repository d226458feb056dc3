// bb_runner of the plain pool.
(import 'runner.libsonnet')('plain')
