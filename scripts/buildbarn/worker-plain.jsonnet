// The plain pool: actions with no platform properties (compiles, tags, indexes).
local worker = import 'worker.libsonnet';

worker('plain', {}, 3, {})
