package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/spdx/tools-golang/spdx"

	"github.com/rules-linuxkit/rules_linuxkit/tools/sbomscanner/spdxscan"
)

// The variables BuildKit sets (frontend/attestations/sbom in BuildKit).
const (
	envSource      = "BUILDKIT_SCAN_SOURCE"
	envExtras      = "BUILDKIT_SCAN_SOURCE_EXTRAS"
	envDestination = "BUILDKIT_SCAN_DESTINATION"
	envEpoch       = "SOURCE_DATE_EPOCH"
)

// The in-toto statement BuildKit reads back from each result file.
const (
	statementType = "https://in-toto.io/Statement/v0.1"
	predicateSPDX = "https://spdx.dev/Document"
	// suffix of every result file; the part before the first dot names the
	// tree ("sbom" is the image itself).
	suffix = ".spdx.json"
)

type statement struct {
	Type          string         `json:"_type"`
	PredicateType string         `json:"predicateType"`
	Subject       []struct{}     `json:"subject"`
	Predicate     *spdx.Document `json:"predicate"`
}

// created is the SPDX creation time: SOURCE_DATE_EPOCH, or the Unix epoch.
func created(getenv func(string) string) (time.Time, error) {
	v := getenv(envEpoch)
	if v == "" {
		return time.Unix(0, 0).UTC(), nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return time.Time{}, fmt.Errorf("%s=%q: want a non-negative number of seconds since 1970", envEpoch, v)
	}
	return time.Unix(n, 0).UTC(), nil
}

// job is one tree to scan and the file its statement goes to.
type job struct{ dir, name string }

// jobs lists the trees BuildKit mounted: the source, then each extra in
// name order.
func jobs(getenv func(string) string) ([]job, error) {
	src := getenv(envSource)
	if src == "" {
		return nil, fmt.Errorf("%s is not set (BuildKit sets it when it runs an SBOM generator)", envSource)
	}
	js := []job{{dir: src, name: treeName(src)}}
	extras := getenv(envExtras)
	if extras == "" {
		return js, nil
	}
	ents, err := os.ReadDir(extras)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", envExtras, err)
	}
	var names []string
	for _, e := range ents {
		if e.IsDir() {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	for _, n := range names {
		if treeName(n) == js[0].name {
			return nil, fmt.Errorf("%s: extra %s has the same name as the scan source", envExtras, n)
		}
		js = append(js, job{dir: filepath.Join(extras, n), name: treeName(n)})
	}
	return js, nil
}

// treeName is a mount's base name without dots (which would end the name
// BuildKit sees before the suffix).
func treeName(dir string) string {
	n := filepath.Base(filepath.Clean(dir))
	n = strings.ReplaceAll(n, ".", "_")
	if n == "/" || n == "_" || n == "" {
		n = "sbom"
	}
	return n
}

// runBuildKit scans every tree BuildKit mounted and writes the statements.
// A file is written only once its statement is complete: no partial output.
func runBuildKit(ctx context.Context, getenv func(string) string) error {
	dst := getenv(envDestination)
	if dst == "" {
		return fmt.Errorf("%s is not set (BuildKit sets it when it runs an SBOM generator)", envDestination)
	}
	js, err := jobs(getenv)
	if err != nil {
		return err
	}
	t, err := created(getenv)
	if err != nil {
		return err
	}
	for _, j := range js {
		b, err := scanStatement(ctx, j.dir, j.name, t)
		if err != nil {
			return err
		}
		if err := writeFile(filepath.Join(dst, j.name+suffix), b); err != nil {
			return err
		}
	}
	return nil
}

// runOne scans one tree, for use outside BuildKit.
func runOne(ctx context.Context, getenv func(string) string, dir, name, outDir string, stdout io.Writer) error {
	if name == "" {
		name = treeName(dir)
	}
	t, err := created(getenv)
	if err != nil {
		return err
	}
	b, err := scanStatement(ctx, dir, name, t)
	if err != nil {
		return err
	}
	if outDir == "" {
		_, err := stdout.Write(b)
		return err
	}
	return writeFile(filepath.Join(outDir, name+suffix), b)
}

// scanStatement returns the in-toto statement for dir as JSON.
func scanStatement(ctx context.Context, dir, name string, t time.Time) ([]byte, error) {
	doc, err := spdxscan.Scan(ctx, spdxscan.Options{Dir: dir, Name: name, Created: t})
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(statement{Type: statementType, PredicateType: predicateSPDX, Subject: []struct{}{}, Predicate: doc})
	if err != nil {
		return nil, fmt.Errorf("encoding the statement for %s: %w", dir, err)
	}
	return append(b, '\n'), nil
}

// writeFile writes b to a temporary file beside p and renames it.
func writeFile(p string, b []byte) error {
	f, err := os.CreateTemp(filepath.Dir(p), ".tmp-*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", p, err)
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		os.Remove(f.Name())
		return fmt.Errorf("writing %s: %w", p, err)
	}
	if err := f.Close(); err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("writing %s: %w", p, err)
	}
	if err := os.Chmod(f.Name(), 0o644); err != nil {
		os.Remove(f.Name())
		return err
	}
	if err := os.Rename(f.Name(), p); err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("writing %s: %w", p, err)
	}
	return nil
}
