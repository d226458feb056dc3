// This binary is Gazelle's own command (cmd/gazelle of
// github.com/bazelbuild/bazel-gazelle v0.45.0, Apache 2.0, copied because a
// main package cannot be imported; update-repos left out) with the
// LinuxKit language added after Gazelle's defaults, as a gazelle_binary
// with languages = DEFAULT_LANGUAGES + ["@rules_linuxkit//gazelle"] has.
// It lets `go test ./gazelle/...` and bench/gazelle run real Gazelle
// without Bazel.
package main

import (
	"github.com/bazelbuild/bazel-gazelle/language"
	golang "github.com/bazelbuild/bazel-gazelle/language/go"
	"github.com/bazelbuild/bazel-gazelle/language/proto"

	linuxkit "github.com/rules-linuxkit/rules_linuxkit/gazelle"
)

var languages = []language.Language{
	proto.NewLanguage(),
	golang.NewLanguage(),
	linuxkit.NewLanguage(),
}
