//go:build faults

// Package faults is the fault-injection suite `scripts/test faults` runs
// (go test -tags faults ./tools/faults): a real registry killed in the
// middle of pushes, concurrent pushers, hostile inputs to the CLI, the
// fuzzers, and secrets that must never leak. Every case runs the lkpkg
// binary as a user would and checks what a user sees: exit status, the
// error's keywords, the registry's contents, the files on disk.
//
// TestMain builds lkpkg once and, after the tests, prints one line per
// family and a closing "faults: N passed, M failed" (see tally_test.go).
package faults

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

var (
	// lkpkgBin is the lkpkg binary built from this checkout.
	lkpkgBin string
	// moduleRoot is the directory of go.mod.
	moduleRoot string
)

func TestMain(m *testing.M) {
	if err := setUp(); err != nil {
		fmt.Fprintln(os.Stderr, "faults:", err)
		os.Exit(1)
	}
	code := m.Run()
	printSummary(os.Stdout)
	os.RemoveAll(filepath.Dir(lkpkgBin))
	os.Exit(code)
}

func setUp() error {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return fmt.Errorf("go env GOMOD: %v", err)
	}
	moduleRoot = filepath.Dir(strings.TrimSpace(string(out)))
	dir, err := os.MkdirTemp("", "faults-bin-")
	if err != nil {
		return err
	}
	lkpkgBin = filepath.Join(dir, "lkpkg")
	cmd := exec.Command("go", "build", "-o", lkpkgBin, "./tools/cmd/lkpkg")
	cmd.Dir = moduleRoot
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build ./tools/cmd/lkpkg: %v\n%s", err, b)
	}
	return nil
}
