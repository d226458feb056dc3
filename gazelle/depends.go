package gazelle

import (
	"errors"
	"io/fs"
	"log"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/bazelbuild/bazel-gazelle/language"
	"github.com/bazelbuild/bazel-gazelle/rule"
	bzl "github.com/bazelbuild/buildtools/build"
	"github.com/rules-linuxkit/rules_linuxkit/tools/spec"
)

// The repositories of build.yml's depends.docker-images are the user's:
// `linuxkit.depends_image(name = N, image = I)` in MODULE.bazel makes @N
// (rules/extensions.bzl names the repository after the tag's name, and
// use_repo may give it another apparent name). Gazelle reads those tags, so
// it writes depends_images with the very labels MODULE.bazel declares; an
// image MODULE.bazel does not declare is reported, with the lines to add,
// and the attribute is then left as it is.

// dependsPinnedRE matches a pinned reference: name[:tag]@sha256:<64 hex>.
var dependsPinnedRE = regexp.MustCompile(`^[^@\s]+@sha256:[0-9a-f]{64}$`)

// moduleDependsImages returns, for each image a linuxkit.depends_image tag
// in root's MODULE.bazel names, the label of its repository.
func moduleDependsImages(root string) (map[string]string, error) {
	file := filepath.Join(root, "MODULE.bazel")
	data, err := os.ReadFile(file)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	f, err := bzl.ParseModule(file, data)
	if err != nil {
		return nil, err
	}
	nameOf := map[string]string{} // image -> repository name
	apparent := map[string]string{}
	bzl.Walk(f, func(x bzl.Expr, _ []bzl.Expr) {
		call, ok := x.(*bzl.CallExpr)
		if !ok {
			return
		}
		switch fn := call.X.(type) {
		case *bzl.DotExpr:
			if fn.Name != "depends_image" {
				return
			}
			var name, image string
			for _, a := range call.List {
				if as, ok := a.(*bzl.AssignExpr); ok {
					k, _ := as.LHS.(*bzl.Ident)
					v, _ := as.RHS.(*bzl.StringExpr)
					if k == nil || v == nil {
						continue
					}
					switch k.Name {
					case "name":
						name = v.Value
					case "image":
						image = v.Value
					}
				}
			}
			if name != "" && image != "" {
				if _, dup := nameOf[image]; !dup {
					nameOf[image] = name
				}
			}
		case *bzl.Ident:
			if fn.Name != "use_repo" {
				return
			}
			for _, a := range call.List[min(1, len(call.List)):] {
				switch a := a.(type) {
				case *bzl.StringExpr:
					apparent[a.Value] = a.Value
				case *bzl.AssignExpr:
					k, _ := a.LHS.(*bzl.Ident)
					v, _ := a.RHS.(*bzl.StringExpr)
					if k != nil && v != nil {
						apparent[v.Value] = k.Name
					}
				}
			}
		}
	})
	labels := make(map[string]string, len(nameOf))
	for image, name := range nameOf {
		if a, ok := apparent[name]; ok {
			name = a
		}
		labels[image] = "@" + name
	}
	return labels, nil
}

// dependsImages returns the depends_images labels of build.yml's
// depends.docker-images list, in its order, and whether every image has
// one; each image without one is logged with the fix.
func (l *lkLang) dependsImages(p *pkgInfo) ([]string, bool) {
	file := path.Join(p.rel, spec.DefaultBuildYML)
	if l.moduleErr != nil {
		log.Printf("linuxkit: %s: depends.docker-images: MODULE.bazel cannot be read (%v), so depends_images is left as it is: fix MODULE.bazel, then run gazelle again", file, l.moduleErr)
		return nil, false
	}
	var labels []string
	all := true
	for _, image := range p.spec.Depends.DockerImages.List {
		if !dependsPinnedRE.MatchString(image) {
			log.Printf("linuxkit: %s: depends.docker-images %s is not pinned by digest, so Bazel cannot pull it and depends_images is left as it is: write it as %s@sha256:<digest> in build.yml, declare it with linuxkit.depends_image in MODULE.bazel, then run gazelle again", file, image, image)
			all = false
			continue
		}
		lbl, ok := l.dependsRepos[image]
		if !ok {
			name := suggestRepoName(image)
			log.Printf("linuxkit: %s: depends.docker-images %s has no linuxkit.depends_image in MODULE.bazel, so depends_images is left as it is: add linuxkit.depends_image(name = %q, image = %q) and use_repo(linuxkit, %q) to MODULE.bazel, then run gazelle again", file, image, name, image, name)
			all = false
			continue
		}
		labels = append(labels, lbl)
	}
	return labels, all
}

// suggestRepoName is a repository name for image: its last path element
// and tag, with every other character '_' (alpine:3.20@sha256:... gives
// alpine_3_20).
func suggestRepoName(image string) string {
	name, _, _ := strings.Cut(image, "@")
	name = name[strings.LastIndexByte(name, '/')+1:]
	var b strings.Builder
	for _, r := range name {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}

// setDependsImages sets r's depends_images from build.yml, or, when an
// image has no label, to what the existing rule says (a mergeable
// attribute Gazelle does not set is deleted).
func (l *lkLang) setDependsImages(args language.GenerateArgs, r *rule.Rule, p *pkgInfo) {
	if len(p.spec.Depends.DockerImages.List) == 0 {
		return
	}
	labels, all := l.dependsImages(p)
	if all {
		r.SetAttr("depends_images", labels)
		return
	}
	if old := findRule(args.File, pkgKind, ""); old != nil && old.Attr("depends_images") != nil {
		r.SetAttr("depends_images", old.Attr("depends_images"))
	}
}
