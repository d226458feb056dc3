package main

import (
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/rules-linuxkit/rules_linuxkit/tools/testenv"
)

// TestRegistryCreds: linuxkit's --registry-creds <registry>=<user>:<password>
// against a real registry that demands them: they go to that registry
// only, lkpkg warns that argv shows them, and no output of lkpkg holds the
// password, whatever happens.
func TestRegistryCreds(t *testing.T) {
	const user, password = "ci-user", "pw-Zq8sK3vR"
	reg := testenv.StartAuthRegistry(t, user, password)
	t.Setenv("DOCKER_CONFIG", t.TempDir()) // no credentials of docker's
	dir, outs := pushPkg(t, false, "c1", "amd64")
	var outputs []string
	push := func(args ...string) (int, string) {
		t.Helper()
		args = append([]string{"push", "--hermetic", "--input-dir", outs["amd64"], "--registry", reg.Host, "--progress", "plain"}, args...)
		code, stdout, stderr := lkpkg(t, append(args, dir)...)
		outputs = append(outputs, stdout, stderr)
		return code, stderr
	}

	// Without credentials, or with them for another host, the registry
	// refuses the push.
	if code, stderr := push(); code == 0 || !strings.Contains(stderr, "UNAUTHORIZED") && !strings.Contains(stderr, "401") {
		t.Errorf("push without credentials: exit %d\n%s", code, stderr)
	}
	if code, stderr := push("--registry-creds", "other.example="+user+":"+password); code == 0 {
		t.Errorf("push with credentials for another host: exit %d\n%s", code, stderr)
	}
	// For its host: pushed, with the warning naming the safer ways.
	code, stderr := push("--registry-creds", "http://"+reg.Host+"/="+user+":"+password)
	if code != 0 {
		t.Fatalf("push --registry-creds: exit %d\n%s", code, stderr)
	}
	for _, want := range []string{"warning: --registry-creds", "other users and processes", "config.json", "credential helper"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	// A wrong password: refused by the registry, the password not shown.
	if code, stderr := push("--registry-creds", reg.Host+"="+user+":"+password+"-wrong"); code == 0 {
		t.Errorf("push with a wrong password: exit %d\n%s", code, stderr)
	}
	// Malformed values: refused before anything, the value not shown.
	for _, v := range []string{reg.Host + "=" + user + ":", "=" + user + ":" + password, password} {
		if code, stderr := push("--registry-creds", v); code != 1 || !strings.Contains(stderr, "--registry-creds #1") {
			t.Errorf("--registry-creds %q: exit %d\n%s", v, code, stderr)
		}
	}
	// show-tag accepts it, as every linuxkit pkg command does.
	code, stdout, stderr := lkpkg(t, "show-tag", "--registry-creds", reg.Host+"="+user+":"+password, "--hash", "c1", dir)
	outputs = append(outputs, stdout, stderr)
	if code != 0 || stdout != "lkt/pushme:c1\n" || !strings.Contains(stderr, "warning: --registry-creds") {
		t.Errorf("show-tag --registry-creds: exit %d\n%s\n%s", code, stdout, stderr)
	}
	// The same flag on build (and its pull from the registry) and manifest.
	code, _, stderr = lkpkg(t, "manifest", "--registry", reg.Host, "--registry-creds", reg.Host+"="+user+":"+password, "--hash", "c1", dir)
	outputs = append(outputs, stderr)
	if code != 0 {
		t.Errorf("manifest --registry-creds: exit %d\n%s", code, stderr)
	}
	code, stdout, stderr = lkpkg(t, "build", "--pull", "--cache", t.TempDir(), "--builder-addr", noBuildKit, "--registry", reg.Host,
		"--registry-creds", reg.Host+"="+user+":"+password, "--hash", "c1", dir)
	outputs = append(outputs, stdout, stderr)
	if code != 0 || !strings.Contains(stderr, "pulled from the registry") {
		t.Errorf("build --pull --registry-creds: exit %d\n%s", code, stderr)
	}

	// BuildKit's pull of a FROM image in that registry gets them too (as
	// linuxkit's builder does), and only with them.
	idx, err := testenv.BusyboxIndex()
	if err != nil {
		t.Fatal(err)
	}
	base := reg.Host + "/lkpkg/busybox:latest"
	baseRef, err := name.ParseReference(base, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.WriteIndex(baseRef, idx, remote.WithAuth(&authn.Basic{Username: user, Password: password})); err != nil {
		t.Fatal(err)
	}
	bk := testenv.BuildKit(t)
	fromDir := t.TempDir()
	writeTree(t, fromDir, map[string]string{
		"build.yml":  "image: private-base\norg: lkt\narches: [amd64]\n",
		"Dockerfile": "FROM " + base + "\nRUN echo built > /built\n",
	})
	buildFrom := func(extra ...string) (int, string) {
		t.Helper()
		args := append([]string{"build", "--builder-addr", bk.Address(), "--progress", "plain", "--output-dir", t.TempDir(), "--hash", "f1"}, extra...)
		code, stdout, stderr := lkpkg(t, append(args, fromDir)...)
		outputs = append(outputs, stdout, stderr)
		return code, stderr
	}
	if code, stderr := buildFrom(); code == 0 {
		t.Errorf("FROM the private registry without credentials: built\n%s", stderr)
	}
	if code, stderr := buildFrom("--registry-creds", reg.Host+"="+user+":"+password); code != 0 {
		t.Errorf("FROM the private registry with --registry-creds: exit %d\n%s", code, stderr)
	}

	for _, o := range outputs {
		if strings.Contains(o, password) {
			t.Errorf("an output of lkpkg holds the password:\n%s", o)
		}
	}
}
