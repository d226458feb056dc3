# The two commands of the README. Both install what this machine lacks.
.PHONY: demo test lint bench

# The main job on embedded defaults.
demo:
	scripts/demo

# Every test: formatting and vet, go test, bazel test.
test:
	scripts/test

lint:
	scripts/test lint

bench:
	bench/hash/run.sh
