package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/rules-linuxkit/rules_linuxkit/tools/attest"
	"github.com/rules-linuxkit/rules_linuxkit/tools/build"
	"github.com/rules-linuxkit/rules_linuxkit/tools/pkg"
	"github.com/rules-linuxkit/rules_linuxkit/tools/registry"
)

var sbomCommand = command{
	name:    "sbom",
	summary: "print the SBOM (SPDX JSON) of a package's build output or of a pushed image",
	usage: `[-o FILE] [--registry R] DIR|REF

Prints one SPDX 2.3 JSON document with the SBOMs of every arch's image
(the SPDX attestations BuildKit's SBOM scanner attached at build time:
lkpkg build's default scanner, --sbom-scanner or --sbom-scanner-layout),
each arch's element ids prefixed with the arch (SPDXRef-amd64-...). The
same images give the same bytes.

DIR is a build output (a directory with result.json: lkpkg build
--output-dir, Bazel's <name>.lkpkg) or a package directory, whose output
in the store (--cache) is read. REF is an index in a registry
(org/image:tag, or a full reference; --registry goes before it), read
through the registry, as lkpkg push wrote it.

-o FILE writes the document to FILE (replaced whole) instead of standard
output.`,
}

func init() { sbomCommand.run = runSBOM }

func runSBOM(args []string, stdout, stderr io.Writer) error {
	fset := newFlagSet(&sbomCommand, stderr)
	var rf registryFlags
	rf.register(fset, false)
	var flags pkgFlags
	flags.register(fset)
	out := fset.String("o", "", "write the SPDX document to FILE instead of standard output")
	pos, err := parse(fset, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fset.Usage()
		return errUsage
	}
	arg := pos[0]
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	var (
		docs    []attest.SPDX
		docName string
		created int64
	)
	if fi, err := os.Stat(arg); err == nil && fi.IsDir() {
		dir := arg
		if _, err := os.Stat(filepath.Join(dir, "result.json")); errors.Is(err, fs.ErrNotExist) {
			// A package: its output in the store.
			p, err := pkg.Load(dir, flags.options(fset))
			if err != nil {
				return err
			}
			store, err := storeDir(globalsOf(fset).cache)
			if err != nil {
				return err
			}
			dir = build.StorePath(store, p)
			if _, err := os.Stat(filepath.Join(dir, "result.json")); err != nil {
				return fmt.Errorf("%s (%s) is not built: no output in the store at %s; run lkpkg build %s first, or give the build output directory", arg, p.Ref(), dir, arg)
			}
		}
		r, d, err := build.SPDX(dir)
		if err != nil {
			return err
		}
		docs, docName, created = d, r.Ref, r.SourceDateEpoch
	} else {
		o := rf.options(nil)
		ref, err := refIn(o.Registry, arg)
		if err != nil {
			return err
		}
		d, err := attest.RemoteSPDX(ctx, ref, o.Registry.Options()...)
		if err != nil {
			return err
		}
		docs, docName, created = d, ref.String(), attest.Created(d)
	}
	b, err := attest.MergeSPDX(docName, created, docs)
	if err != nil {
		return err
	}
	b = append(b, '\n')
	if *out == "" {
		_, err := stdout.Write(b)
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(*out), ".sbom-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), *out)
}

// refIn parses s (org/image:tag, org/image@digest, or with a registry
// host) as a reference in r, which adds --registry and allows plain HTTP
// where push would.
func refIn(r registry.Registry, s string) (name.Reference, error) {
	repo, id, sep := s, "latest", ":"
	if i := strings.LastIndex(s, "@"); i >= 0 {
		repo, id, sep = s[:i], s[i+1:], "@"
	} else if i := strings.LastIndex(s, ":"); i > strings.LastIndex(s, "/") {
		repo, id = s[:i], s[i+1:]
	}
	rp, err := r.Repository(repo)
	if err != nil {
		return nil, fmt.Errorf("%s is neither a directory nor an image reference: %w", s, err)
	}
	if sep == "@" {
		if _, err := v1.NewHash(id); err != nil {
			return nil, fmt.Errorf("%s: %w", s, err)
		}
		return rp.Digest(id), nil
	}
	return rp.Tag(id), nil
}
