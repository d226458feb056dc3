// The buildkit pool: actions whose platform has linuxkit-buildkit=1 (LinuxkitBuild). Its
// actions reach this machine's BuildKit daemon through BUILDKIT_HOST, the first place
// lkpkg looks (tools/buildkitd.Resolve); the address is in no action key.
local bb = import 'buildbarn.libsonnet';
local worker = import 'worker.libsonnet';

worker('buildkit', { properties: [bb.buildkitProperty] }, 2, { BUILDKIT_HOST: bb.buildkitHost })
