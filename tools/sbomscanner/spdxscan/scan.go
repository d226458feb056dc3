// Package spdxscan catalogs a root filesystem with syft and returns an SPDX
// 2.3 JSON document that depends only on the tree's contents: the creation
// time is given by the caller (SOURCE_DATE_EPOCH or the Unix epoch), the
// document namespace is derived from a hash of the document itself, and
// packages, files and relationships are sorted.
package spdxscan

import (
	"bytes"
	"context"
	"crypto"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/anchore/syft/syft"
	"github.com/anchore/syft/syft/cataloging"
	"github.com/anchore/syft/syft/cataloging/filecataloging"
	"github.com/anchore/syft/syft/cataloging/pkgcataloging"
	"github.com/anchore/syft/syft/file"
	"github.com/anchore/syft/syft/format/common/spdxhelpers"
	"github.com/anchore/syft/syft/source"
	"github.com/anchore/syft/syft/source/directorysource"
	"github.com/spdx/tools-golang/spdx"
	"github.com/spdx/tools-golang/spdx/v2/common"
)

// NamespacePrefix starts every document namespace this package writes; the
// rest is the document name and a hash of the document.
const NamespacePrefix = "https://github.com/rules-linuxkit/rules_linuxkit/spdx/"

// Tool is the creator written into the document.
const Tool = "rules_linuxkit-sbomscanner"

// Options says what to scan and how to stamp the result.
type Options struct {
	// Dir is the root of the tree: file names in the document are relative
	// to it ("/bin/busybox").
	Dir string
	// Name is the document's name and its root package's name.
	Name string
	// Created is the document's creation time (SPDX requires one).
	Created time.Time
	// Parallelism bounds syft's concurrent catalogers (0: syft's default).
	Parallelism int
}

// Scan catalogs o.Dir as an image's root filesystem: the package catalogers
// for installed software (dpkg, apk, rpm databases, binaries such as busybox,
// language packages installed in the image) and every file, with its SHA-1
// (SPDX requires it) and SHA-256.
func Scan(ctx context.Context, o Options) (*spdx.Document, error) {
	fi, err := os.Stat(o.Dir)
	if err != nil {
		return nil, fmt.Errorf("scan source: %w", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("scan source %s is not a directory", o.Dir)
	}
	if o.Name == "" {
		return nil, fmt.Errorf("scan of %s: no document name", o.Dir)
	}
	src, err := directorysource.New(directorysource.Config{
		Path:  o.Dir,
		Base:  o.Dir,
		Alias: source.Alias{Name: o.Name},
	})
	if err != nil {
		return nil, fmt.Errorf("scan source %s: %w", o.Dir, err)
	}
	defer src.Close()

	cfg := syft.DefaultCreateSBOMConfig().
		WithTool(Tool, "").
		WithParallelism(o.Parallelism).
		// The scan source is a built image's root filesystem, not a source
		// tree: select what syft selects for images.
		WithCatalogerSelection(cataloging.NewSelectionRequest().WithDefaults(pkgcataloging.ImageTag, filecataloging.FileTag)).
		WithFilesConfig(filecataloging.DefaultConfig().
			WithSelection(file.AllFilesSelection).
			WithHashers(crypto.SHA1, crypto.SHA256))
	s, err := syft.CreateSBOM(ctx, src, cfg)
	if err != nil {
		return nil, fmt.Errorf("cataloging %s: %w", o.Dir, err)
	}
	doc := spdxhelpers.ToFormatModel(*s)
	if doc == nil {
		return nil, fmt.Errorf("cataloging %s: syft made no SPDX document", o.Dir)
	}
	if err := normalize(doc, o); err != nil {
		return nil, err
	}
	return doc, nil
}

// normalize removes what changes between two scans of the same tree: the
// creation time, the random namespace, the tool version, and the order of
// packages, files and relationships.
func normalize(doc *spdx.Document, o Options) error {
	doc.DocumentName = o.Name
	if doc.CreationInfo == nil {
		doc.CreationInfo = &spdx.CreationInfo{}
	}
	doc.CreationInfo.Created = o.Created.UTC().Format(time.RFC3339)
	doc.CreationInfo.Creators = []common.Creator{{CreatorType: "Tool", Creator: Tool}}
	dropDirectories(doc, o.Dir)
	sort.SliceStable(doc.Packages, func(i, j int) bool {
		return doc.Packages[i].PackageSPDXIdentifier < doc.Packages[j].PackageSPDXIdentifier
	})
	sort.SliceStable(doc.Files, func(i, j int) bool {
		a, b := doc.Files[i], doc.Files[j]
		if a.FileName != b.FileName {
			return a.FileName < b.FileName
		}
		return a.FileSPDXIdentifier < b.FileSPDXIdentifier
	})
	sort.SliceStable(doc.Relationships, func(i, j int) bool {
		return relKey(doc.Relationships[i]) < relKey(doc.Relationships[j])
	})
	sort.SliceStable(doc.OtherLicenses, func(i, j int) bool {
		return doc.OtherLicenses[i].LicenseIdentifier < doc.OtherLicenses[j].LicenseIdentifier
	})
	// The namespace must be unique per document: a hash of the document
	// with an empty namespace is, and it is the same for the same tree.
	doc.DocumentNamespace = ""
	b, err := json.Marshal(doc)
	if err != nil {
		return fmt.Errorf("encoding the SPDX document: %w", err)
	}
	sum := sha256.Sum256(b)
	doc.DocumentNamespace = NamespacePrefix + url.PathEscape(o.Name) + "-" + hex.EncodeToString(sum[:])
	return nil
}

// dropDirectories removes the directories syft lists among the files (with
// all-zero checksums) and the relationships that name them: an SPDX file is
// a file. File names are relative to dir ("bin/busybox").
func dropDirectories(doc *spdx.Document, dir string) {
	dropped := map[common.ElementID]bool{}
	files := doc.Files[:0]
	for _, f := range doc.Files {
		fi, err := os.Lstat(filepath.Join(dir, filepath.FromSlash(f.FileName)))
		if err == nil && fi.IsDir() {
			dropped[f.FileSPDXIdentifier] = true
			continue
		}
		files = append(files, f)
	}
	doc.Files = files
	if len(dropped) == 0 {
		return
	}
	rels := doc.Relationships[:0]
	for _, r := range doc.Relationships {
		if dropped[r.RefA.ElementRefID] || dropped[r.RefB.ElementRefID] {
			continue
		}
		rels = append(rels, r)
	}
	doc.Relationships = rels
}

func relKey(r *spdx.Relationship) string {
	return fmt.Sprintf("%s\x00%s\x00%s\x00%s", elementKey(r.RefA), r.Relationship, elementKey(r.RefB), r.RelationshipComment)
}

func elementKey(d common.DocElementID) string {
	return string(d.DocumentRefID) + ":" + string(d.ElementRefID) + ":" + d.SpecialID
}

// Encode writes doc as compact JSON (no HTML escaping), newline-terminated.
func Encode(doc *spdx.Document) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("encoding the SPDX document: %w", err)
	}
	return buf.Bytes(), nil
}
