package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/rules-linuxkit/rules_linuxkit/tools/internal/gittest"
	"github.com/rules-linuxkit/rules_linuxkit/tools/testenv"
)

// pkg returns the tree's package at rel.
func (c *compatTree) pkg(t *testing.T, rel string) *compatPkg {
	t.Helper()
	for _, p := range c.pkgs {
		if p.name == rel {
			return p
		}
	}
	t.Fatalf("the compatibility tree has no package %s", rel)
	return nil
}

// refTag is the tag part of org/image:tag.
func refTag(ref string) string { return ref[strings.LastIndex(ref, ":")+1:] }

// registryTags lists the tags of repo (host/org/image); none if the
// repository does not exist.
func registryTags(t *testing.T, repo string) []string {
	t.Helper()
	r, err := name.NewRepository(repo)
	if err != nil {
		t.Fatal(err)
	}
	tags, err := remote.List(r)
	if err != nil {
		return nil
	}
	return tags
}

func registryDigest(t *testing.T, ref string) string {
	t.Helper()
	d, err := remote.Head(mustParse(t, ref))
	if err != nil {
		t.Fatalf("%s: %v", ref, err)
	}
	return d.Digest.String()
}

// TestCompatTreePush: the push outcomes linuxkit's Pkg.Build and
// pkg_push.go give, against a real registry.
func TestCompatTreePush(t *testing.T) {
	tree := newCompatTree(t, nil)
	b := newCompatBuilder(t)
	reg := testenv.StartRegistry(t)
	push := tree.pkg(t, "behaviour/push")
	tag := refTag(push.exp.Ref)
	repo := reg.Host + "/compat/push"
	to := []string{"--registry", reg.Host, "--sign", "none"}
	builder := []string{"--builder-addr", b.addr, "--progress", "quiet", "--context-from", compatBase + "=" + b.base}

	t.Run("build --push", func(t *testing.T) {
		// Pkg.Build with WithBuildPush: built, then pushed under the tag.
		code, stdout, stderr := b.build(t, append(append([]string{"--push"}, to...), push.dir)...)
		if code != 0 {
			t.Fatalf("build --push: exit %d\n%s%s", code, stdout, stderr)
		}
		if got := registryTags(t, repo); !slices.Contains(got, tag) {
			t.Errorf("the registry has %v, want %s among them", got, tag)
		}
	})

	t.Run("dirty", func(t *testing.T) {
		// Pkg.Build: "build complete, refusing to push dirty package".
		extra := filepath.Join(push.dir, "uncommitted.txt")
		if err := os.WriteFile(extra, []byte("not committed\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		defer os.Remove(extra)
		before := registryTags(t, repo)
		code, stdout, stderr := b.build(t, append(append([]string{"--push"}, to...), push.dir)...)
		if code == 0 || !strings.Contains(stdout+stderr, "dirty") && !strings.Contains(stdout+stderr, "uncommitted") {
			t.Errorf("build --push of a dirty package: exit %d, want a refusal:\n%s%s", code, stdout, stderr)
		}
		if after := registryTags(t, repo); len(after) != len(before) {
			t.Errorf("the registry went from %v to %v", before, after)
		}
	})

	t.Run("nobuild", func(t *testing.T) {
		pending(t, "push --nobuild")
		// pkg_build.go: --push --nobuild pushes what is in the cache...
		code, stdout, stderr := lkpkg(t, append(append([]string{"push", "--nobuild"}, to...), push.dir)...)
		if code != 0 {
			t.Errorf("push --nobuild of a built package: exit %d\n%s%s", code, stdout, stderr)
		}
		// ...and fails when nothing is (Pkg.Build: FindDescriptor).
		unbuilt := tree.pkg(t, "behaviour/tag_empty")
		code, stdout, stderr = lkpkg(t, append(append([]string{"push", "--nobuild"}, to...), unbuilt.dir)...)
		if code == 0 {
			t.Errorf("push --nobuild of a package never built: exit 0\n%s%s", stdout, stderr)
		}
		if got := registryTags(t, reg.Host+"/compat/tag-empty"); len(got) != 0 {
			t.Errorf("push --nobuild of a package never built pushed %v", got)
		}
	})

	t.Run("push builds", func(t *testing.T) {
		pending(t, "push builds")
		// pkg push is pkg build --push: a package not built yet is built.
		p := tree.pkg(t, "behaviour/hash_commit")
		code, stdout, stderr := lkpkg(t, append(append(append([]string{"push"}, builder...), to...), p.dir)...)
		if code != 0 {
			t.Fatalf("push of a package never built: exit %d\n%s%s", code, stdout, stderr)
		}
		if got := registryTags(t, reg.Host+"/compat/hash-commit"); !slices.Contains(got, refTag(p.exp.Ref)) {
			t.Errorf("the registry has %v, want %s", got, refTag(p.exp.Ref))
		}
	})

	t.Run("remote-tag", func(t *testing.T) {
		pending(t, "push remote-tag")
		// pkg remote-tag: TO names what FROM names, nothing pulled.
		code, stdout, stderr := lkpkg(t, "pkg", "remote-tag", repo+":"+tag, repo+":copied")
		if code != 0 {
			t.Fatalf("remote-tag: exit %d\n%s%s", code, stdout, stderr)
		}
		if a, b := registryDigest(t, repo+":"+tag), registryDigest(t, repo+":copied"); a != b {
			t.Errorf("%s:copied is %s, want %s", repo, b, a)
		}
	})

	t.Run("release from git tag", func(t *testing.T) {
		pending(t, "push release from a git tag")
		// Pkg.Build: pushing with no --release releases the git tag on
		// HEAD (git.commitTag).
		gittest.Git(t, tree.root, "tag", "v1.2.3")
		defer gittest.Git(t, tree.root, "tag", "-d", "v1.2.3")
		code, stdout, stderr := lkpkg(t, append(append(append([]string{"push"}, builder...), to...), push.dir)...)
		if code != 0 {
			t.Fatalf("push: exit %d\n%s%s", code, stdout, stderr)
		}
		if a, b := registryDigest(t, repo+":"+tag), registryDigest(t, repo+":v1.2.3"); a != b {
			t.Errorf("%s:v1.2.3 is %s, want %s (the tag's)", repo, b, a)
		}
	})
}
