package main

import (
	"fmt"
	"io"

	"github.com/rules-linuxkit/rules_linuxkit/tools/build"
)

var mergeOutputsCommand = command{
	name:    "merge-outputs",
	summary: "merge per-arch build outputs of one package into one output with the multi-arch index",
	usage: `--output-dir OUT BUILD_OUTPUT...

Each BUILD_OUTPUT is an 'lkpkg build --output-dir' of the same package
(typically one per arch, as Bazel's per-arch actions write them). OUT gets
OUT/<arch>/ for every image, OUT/index/ the multi-arch index listing them in
the order given, and OUT/result.json: what 'lkpkg push --input-dir' takes.
OUT is written as 'lkpkg build' writes its output: whole, into a temporary
sibling renamed into place, with a .lkpkg-output marker. An existing OUT is
replaced only if it has that marker or holds no files (Bazel pre-creates the
declared directories, empty); any other OUT is refused and left untouched.
Nothing is built and no daemon is needed. This is the Bazel rules' index
step; 'lkpkg index' is linuxkit's alias of 'manifest', as in 'linuxkit pkg
index'.`,
}

func init() { mergeOutputsCommand.run = runMergeOutputs }

func runMergeOutputs(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet(&mergeOutputsCommand, stderr)
	outputDir := fs.String("output-dir", "", "where to write the merged output (required; new, empty or an earlier lkpkg output)")
	inputs, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(inputs) == 0 || *outputDir == "" {
		fs.Usage()
		return errUsage
	}
	if err := build.CheckOutputDir(*outputDir); err != nil {
		return fmt.Errorf("--output-dir %w", err)
	}
	res, err := build.Merge(*outputDir, inputs)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s %s %s\n", res.Ref, res.Digest, *outputDir)
	return nil
}
