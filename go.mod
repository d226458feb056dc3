module github.com/rules-linuxkit/rules_linuxkit

go 1.26

require (
	github.com/opencontainers/runtime-spec v1.3.0
	gopkg.in/yaml.v3 v3.0.1
)
