package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/rules-linuxkit/rules_linuxkit/tools/build"
)

var indexCommand = command{
	name:    "index",
	summary: "merge per-arch build outputs of one package into one output with the multi-arch index",
	usage: `--output-dir OUT BUILD_OUTPUT...

Each BUILD_OUTPUT is an 'lkpkg build --output-dir' of the same package
(typically one per arch, as Bazel's per-arch actions write them). OUT gets
OUT/<arch>/ for every image, OUT/index/ the multi-arch index listing them in
the order given, and OUT/result.json: what 'lkpkg push --input-dir' takes. OUT may exist
(with empty directories) but must hold no result.json.
Nothing is built and no daemon is needed.`,
}

func init() { indexCommand.run = runIndex }

func runIndex(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet(&indexCommand, stderr)
	outputDir := fs.String("output-dir", "", "where to write the merged output (required; must be empty or absent)")
	inputs, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(inputs) == 0 || *outputDir == "" {
		fs.Usage()
		return errUsage
	}
	// Bazel creates the declared output directories beforehand: only an
	// earlier result is refused.
	if _, err := os.Stat(filepath.Join(*outputDir, "result.json")); err == nil {
		return errors.New("--output-dir " + *outputDir + " already holds a result.json")
	}
	res, err := build.Merge(*outputDir, inputs)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s %s %s\n", res.Ref, res.Digest, *outputDir)
	return nil
}
