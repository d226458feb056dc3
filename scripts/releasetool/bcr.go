package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"path"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
)

// The checks below are the Bazel Central Registry's own (its metadata schema and
// bcr_validation), done before a release rather than after its registry pull request fails.

// bcrMaintainer is one entry of metadata.json's maintainers, with the fields the registry
// knows.
type bcrMaintainer struct {
	Name         string `json:"name"`
	Email        string `json:"email"`
	GitHub       string `json:"github"`
	GitHubUserID int64  `json:"github_user_id"`
	DoNotNotify  bool   `json:"do_not_notify"`
}

// bcrMetadata is metadata.json, with the fields the registry's schema allows.
type bcrMetadata struct {
	Schema         string            `json:"$schema,omitempty"`
	Homepage       string            `json:"homepage"`
	Maintainers    []bcrMaintainer   `json:"maintainers"`
	Repository     []string          `json:"repository"`
	Versions       []string          `json:"versions"`
	YankedVersions map[string]string `json:"yanked_versions"`
	Deprecated     string            `json:"deprecated,omitempty"`
}

var (
	githubHandle = regexp.MustCompile(`^[-a-zA-Z0-9]+$`)
	placeholder  = regexp.MustCompile(`(?i)\b(todo|fixme|tbd|placeholder|changeme)\b|<[^>]*>`)
)

// checkMetadata checks metadata.template.json once filled in (sourceURL: the source
// archive's URL from source.template.json) as the registry would: only known fields,
// homepage and at least one maintainer, every maintainer reachable (a name and an email
// or a GitHub handle; a handle needs its numeric github_user_id, which the registry
// compares with GitHub's), nothing left as a placeholder, and the source archive's URL a
// release download of a repository the metadata names.
func checkMetadata(data []byte, sourceURL string) error {
	const file = ".bcr/metadata.template.json"
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var m bcrMetadata
	if err := dec.Decode(&m); err != nil {
		return fmt.Errorf("%s: %v (the registry's schema allows homepage, maintainers, repository, versions, yanked_versions, deprecated)", file, err)
	}
	if m.Homepage == "" {
		return fmt.Errorf("%s: homepage: missing; give the project's web page", file)
	}
	if len(m.Maintainers) == 0 {
		return fmt.Errorf("%s: maintainers: empty; the registry needs at least one person to notify", file)
	}
	for i, mt := range m.Maintainers {
		where := fmt.Sprintf("%s: maintainers[%d]", file, i)
		for field, v := range map[string]string{"name": mt.Name, "email": mt.Email, "github": mt.GitHub} {
			if placeholder.MatchString(v) {
				return fmt.Errorf("%s.%s: %q is a placeholder; give a real maintainer (e.g. an author from git log)", where, field, v)
			}
		}
		if mt.Name == "" {
			return fmt.Errorf("%s.name: missing", where)
		}
		if mt.Email == "" && mt.GitHub == "" {
			return fmt.Errorf("%s: neither email nor github; the registry cannot reach %s", where, mt.Name)
		}
		if mt.Email != "" && !strings.Contains(mt.Email, "@") {
			return fmt.Errorf("%s.email: %q is not an email address", where, mt.Email)
		}
		if mt.GitHub != "" {
			if !githubHandle.MatchString(mt.GitHub) {
				return fmt.Errorf("%s.github: %q is not a GitHub user name", where, mt.GitHub)
			}
			if mt.GitHubUserID <= 0 {
				return fmt.Errorf("%s: github %q without its github_user_id; the registry rejects it (add the number https://api.github.com/users/%s gives as id, or give an email instead of github)", where, mt.GitHub, mt.GitHub)
			}
		}
	}
	u, err := url.Parse(sourceURL)
	if err != nil {
		return fmt.Errorf(".bcr/source.template.json: url %q: %v", sourceURL, err)
	}
	matched := false
	for _, r := range m.Repository {
		owner, ok := strings.CutPrefix(r, "github:")
		if !ok || strings.Count(owner, "/") != 1 {
			return fmt.Errorf("%s: repository %q: want github:OWNER/REPO", file, r)
		}
		if u.Scheme == "https" && u.Host == "github.com" && strings.HasPrefix(path.Clean(u.Path), "/"+owner+"/releases/download/") {
			matched = true
		}
	}
	if !matched {
		return fmt.Errorf(".bcr/source.template.json: url %s is not a release download of a repository %s names (%s); the registry refuses it", sourceURL, file, strings.Join(m.Repository, ", "))
	}
	return nil
}

// bcrPresubmit is the part of presubmit.yml this release's layout decides.
type bcrPresubmit struct {
	Tasks      map[string]bcrTask `yaml:"tasks"`
	TestModule *struct {
		ModulePath string             `yaml:"module_path"`
		Tasks      map[string]bcrTask `yaml:"tasks"`
	} `yaml:"bcr_test_module"`
}

type bcrTask struct {
	Bazel        string   `yaml:"bazel"`
	Platform     string   `yaml:"platform"`
	BuildTargets []string `yaml:"build_targets"`
	TestTargets  []string `yaml:"test_targets"`
}

// localPathOverride finds the path of the local_path_override of rules_linuxkit in a
// test module's MODULE.bazel.
var localPathOverride = regexp.MustCompile(`(?s)local_path_override\(\s*module_name\s*=\s*"rules_linuxkit",\s*path\s*=\s*"([^"]*)"`)

// checkPresubmit checks presubmit.yml against the files of the source archive (paths
// relative to its top directory, i.e. after strip_prefix): every task names its Bazel
// version and something to build or test; the test module is a directory of the archive
// with a MODULE.bazel that depends on rules_linuxkit and overrides it with the archive's
// top directory, which is how the registry's presubmit tests this version.
func checkPresubmit(data []byte, files map[string][]byte) error {
	const file = ".bcr/presubmit.yml"
	var p bcrPresubmit
	if err := yaml.Unmarshal(data, &p); err != nil {
		return fmt.Errorf("%s: %v", file, err)
	}
	tasks := map[string]bcrTask{}
	for n, t := range p.Tasks {
		tasks["tasks."+n] = t
	}
	if p.TestModule != nil {
		for n, t := range p.TestModule.Tasks {
			tasks["bcr_test_module.tasks."+n] = t
		}
	}
	if len(tasks) == 0 {
		return fmt.Errorf("%s: no tasks; the registry needs at least one", file)
	}
	for n, t := range tasks {
		if t.Bazel == "" {
			return fmt.Errorf("%s: %s: no bazel version; the registry requires one per task", file, n)
		}
		if len(t.BuildTargets)+len(t.TestTargets) == 0 {
			return fmt.Errorf("%s: %s: neither build_targets nor test_targets", file, n)
		}
	}
	if p.TestModule == nil {
		return nil
	}
	dir := path.Clean(p.TestModule.ModulePath)
	module, ok := files[path.Join(dir, "MODULE.bazel")]
	if !ok {
		return fmt.Errorf("%s: bcr_test_module.module_path %q: the source archive has no %s/MODULE.bazel", file, p.TestModule.ModulePath, dir)
	}
	if !strings.Contains(string(module), `bazel_dep(name = "rules_linuxkit"`) {
		return fmt.Errorf("%s/MODULE.bazel: no bazel_dep(name = \"rules_linuxkit\"): the presubmit would not test this module", dir)
	}
	sub := localPathOverride.FindSubmatch(module)
	if sub == nil {
		return fmt.Errorf("%s/MODULE.bazel: no local_path_override(module_name = \"rules_linuxkit\", path = ...) to the archive's top directory: the presubmit would test another version", dir)
	}
	if top := path.Join(dir, string(sub[1])); top != "." {
		return fmt.Errorf("%s/MODULE.bazel: local_path_override path %q leads to %q of the source archive, not its top directory; use %q", dir, sub[1], top, upTo(dir))
	}
	return nil
}

// upTo is the relative path from dir up to the top directory.
func upTo(dir string) string {
	return strings.TrimSuffix(strings.Repeat("../", strings.Count(dir, "/")+1), "/")
}
