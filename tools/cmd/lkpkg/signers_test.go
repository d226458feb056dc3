package main

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// signUsageNames returns the --sign values the usage of `lkpkg args... -h`
// lists: "NAME (what it is)" entries, then "or none".
func signUsageNames(t *testing.T, args ...string) []string {
	t.Helper()
	_, _, stderr := lkpkg(t, append(args, "-h")...)
	m := regexp.MustCompile(`(?m)^  -sign string\n\s+how to sign when content trust is on: (.*) \(default "(\w+)"\)$`).FindStringSubmatch(stderr)
	if m == nil {
		t.Fatalf("lkpkg %s -h has no --sign usage:\n%s", strings.Join(args, " "), stderr)
	}
	if m[2] != signers[0].name {
		t.Errorf("--sign defaults to %s, want the table's first signer %s", m[2], signers[0].name)
	}
	var names []string
	for _, n := range regexp.MustCompile(`(?:^|, | or )(\w+)`).FindAllStringSubmatch(regexp.MustCompile(`\([^)]*\)`).ReplaceAllString(m[1], ""), -1) {
		names = append(names, n[1])
	}
	return names
}

// The --sign usage of every command that signs or verifies lists exactly
// the signers of the table (and none), in the table's order.
func TestSignUsageIsTheTable(t *testing.T) {
	var want []string
	for _, s := range signers {
		want = append(want, s.name)
	}
	want = append(want, signNone)
	for _, cmd := range [][]string{{"push"}, {"manifest"}, {"build"}, {"trust", "inspect"}} {
		if got := signUsageNames(t, cmd...); !slices.Equal(got, want) {
			t.Errorf("lkpkg %s: --sign usage lists %q, want %q", strings.Join(cmd, " "), got, want)
		}
	}
}

// An unknown --sign value fails before anything is read from a registry,
// naming the value and every known one.
func TestUnknownSignValue(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{"build.yml": "image: img\norg: lkt\n", "Dockerfile": "FROM scratch\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	code, _, stderr := lkpkg(t, "manifest", "--hermetic", "--registry", "127.0.0.1:1", "--sign", "bogus", dir)
	if want := `--sign "bogus": want notary, cosign or none`; code != 1 || !strings.Contains(stderr, want) {
		t.Errorf("manifest --sign bogus: exit %d, stderr %q; want exit 1 and %q", code, stderr, want)
	}
	code, _, stderr = lkpkg(t, "trust", "inspect", "--sign", "bogus", "127.0.0.1:1/lkt/img")
	if want := `--sign "bogus": want notary or cosign`; code != 1 || !strings.Contains(stderr, want) {
		t.Errorf("trust inspect --sign bogus: exit %d, stderr %q; want exit 1 and %q", code, stderr, want)
	}
}
