// Package spec parses and validates a LinuxKit package's build.yml.
//
// Unknown or duplicate keys, wrong types, names a registry would reject and
// paths that leave the package are errors, reported all at once with file,
// line, column, field and a fix, so mistakes surface when the file is
// written rather than mid-build. Shapes linuxkit accepts but lkpkg would
// rather see written otherwise (keys with no value, no arches, an empty
// org or tag, YAML 1.1 booleans, duplicate arches, a second document, a
// missing Dockerfile) are accepted with linuxkit's meaning and reported
// as Spec.Warnings; see compat.go and docs/compat.md.
//
// Keys and their meaning follow linuxkit's pkglib. Deliberate differences:
//   - disable-content-trust is accepted (current linuxkit's pkgInfo has no
//     such key, and its KnownFields decoding refuses it).
//   - Absolute paths in extra-sources and @lkt: build args are accepted
//     with a warning, as they tie a build to one machine; a Bazel action
//     refuses them. Extra sources may use ".." to reach outside the
//     package, which is what they are for.
//   - Duplicate build args and extra-sources destinations are errors.
//   - Images in depends need a target or target-dir to be saved to.
//   - gitrepo has no default (linuxkit defaults to its own repository).
//   - YAML aliases and merge keys are refused.
package spec

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"path"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"text/template"

	"gopkg.in/yaml.v3"
)

// Defaults applied by Parse for keys build.yml leaves out.
const (
	DefaultOrg        = "linuxkit"
	DefaultDockerfile = "Dockerfile"
	DefaultTag        = "{{.Hash}}"
	DefaultBuildYML   = "build.yml"
	// DefaultGitRepo is linuxkit's gitrepo when build.yml has none
	// (NewPkgInfo): the SOURCE build arg and source label of a build.
	DefaultGitRepo = "https://github.com/linuxkit/linuxkit"
)

// Spec is a validated build.yml.
type Spec struct {
	// File is the path build.yml was read from, for messages.
	File string

	// Image is the repository name within Org (required).
	Image string
	// Org is the registry organisation, optionally with a registry host
	// (127.0.0.1:5000/wombat); default "linuxkit".
	Org string
	// Tag is a text/template over {{.Hash}} giving the image tag; default
	// "{{.Hash}}". Render it with RenderTag.
	Tag string
	// Dockerfile is the Dockerfile path, relative to the package directory,
	// slash-separated and clean; default "Dockerfile".
	Dockerfile string
	// GitRepo is the source repository, recorded as the
	// org.opencontainers.image.source label; empty if not set (a build
	// then uses DefaultGitRepo, as linuxkit).
	GitRepo string

	// Arches are GOARCH names to build for; default DefaultArches.
	Arches []string
	// ExtraSources are extra directories copied into the build context.
	ExtraSources []ExtraSource

	// Network allows network access during the build.
	Network bool
	// DisableContentTrust disables signing/verification for this package.
	DisableContentTrust bool
	// DisableCache disables the build cache for this package.
	DisableCache bool

	// Config becomes the ConfigLabel label; nil if build.yml has no config.
	Config *ImageConfig
	// BuildArgs are passed to docker build as --build-arg, in file order.
	BuildArgs []BuildArg
	// Depends lists prerequisites fetched before the build.
	Depends Depends

	// OrgSet is true when build.yml gives org a value (even ""), so that
	// a default org from the environment does not replace it.
	OrgSet bool

	// Warnings are what lkpkg accepts only because linuxkit does (see
	// compat.go), sorted by position; `lkpkg validate` prints them.
	Warnings []*Error

	// missingDockerfile is set by Load when the Dockerfile does not exist.
	missingDockerfile *Error

	// pos records where some fields were written, so that Load's
	// filesystem checks can point at the right line.
	pos map[string]position
}

// ExtraSource is an extra-sources entry "src:dst": the directory src
// (relative to the package directory, usually outside it; that is the
// point) is placed at dst in the build context ("/" is the context root).
type ExtraSource struct{ Src, Dst string }

// Depends is build.yml's depends section.
type Depends struct {
	DockerImages DockerImages
}

// DockerImages are images saved as tar files into the build context before
// the build. Each image must be pinned by digest so builds are repeatable.
type DockerImages struct {
	// TargetDir receives one «name»@«digest».tar per image; it is removed
	// and recreated by the build. Exclusive with Target.
	TargetDir string
	// Target is a single tar file receiving all images. Exclusive with
	// TargetDir.
	Target string
	// FromFile is a file listing one image per line ('#' comments and blank
	// lines ignored). Exclusive with List.
	FromFile string
	// List is the images, as written in build.yml.
	List []string
}

// Repository returns org/image, the image reference without a tag.
func (s *Spec) Repository() string { return s.Org + "/" + s.Image }

// RenderTag executes the Tag template for a package hash.
func (s *Spec) RenderTag(hash string) (string, error) {
	t, err := template.New("tag").Option("missingkey=error").Parse(s.Tag)
	if err != nil {
		return "", err
	}
	var b bytes.Buffer
	if err := t.Execute(&b, map[string]string{"Hash": hash}); err != nil {
		return "", err
	}
	return b.String(), nil
}

// topKeys are the keys build.yml may have, in documentation order.
var topKeys = []string{
	"image", "org", "tag", "dockerfile", "arches", "extra-sources", "gitrepo",
	"network", "disable-content-trust", "disable-cache", "config", "buildArgs", "depends",
}

// sampleHash is the longest hash linuxkit produces (a git tree hash of a
// dirty tree), used to check that a tag template yields a valid tag.
const sampleHash = "0123456789abcdef0123456789abcdef01234567-dirty-0123456"

// Parse parses and validates build.yml contents. file is used only in
// messages; Parse does not touch the filesystem. On success defaults are
// applied. On failure it returns every problem found, each an *Error,
// joined with errors.Join and sorted by position.
func Parse(file string, data []byte) (*Spec, error) {
	s, p := parse(file, data)
	if err := p.err(); err != nil {
		return nil, err
	}
	s.Warnings = p.warnings()
	return s, nil
}

// parse returns a best-effort Spec along with the problems, so that Load can
// run its filesystem checks even when the file has other errors.
func parse(file string, data []byte) (s *Spec, p *problems) {
	p = &problems{file: file}
	s = &Spec{
		File:       file,
		Org:        DefaultOrg,
		Tag:        DefaultTag,
		Dockerfile: DefaultDockerfile,
		Arches:     append([]string(nil), DefaultArches...),
		pos:        map[string]position{},
	}
	root := decodeDocument(p, data)
	if root == nil {
		return s, p
	}
	if root.Kind != yaml.MappingNode {
		p.addf(position{root.Line, root.Column}, "", "start the file with `image: <name>` and other `key: value` lines",
			"top level must be a mapping of keys to values, not %s", describe(root))
		return s, p
	}

	var sawImage bool
	forEachKey(p, root, "", func(key string, k, v *yaml.Node) {
		pos := position{v.Line, v.Column}
		if v.Kind == yaml.AliasNode {
			p.addf(pos, key, "write the value out in full", "YAML aliases (*%s) are not supported in build.yml", v.Value)
			return
		}
		if isNull(v) {
			if key == "image" {
				// linuxkit: "Image field is required".
				sawImage = true
				p.addf(pos, key, "give it a value, the repository name of the package's image", "has no value")
				return
			}
			if slices.Contains(topKeys, key) {
				nullKey(p, s, key, pos)
				return
			}
		}
		switch key {
		case "image":
			sawImage = true
			if str, ok := stringValue(p, v, key); ok {
				s.Image = str
				checkImage(p, pos, str)
			}
		case "org":
			if str, ok := stringValue(p, v, key); ok {
				s.Org, s.OrgSet = str, true
				checkOrgField(p, pos, str)
			}
		case "tag":
			if str, ok := stringValue(p, v, key); ok {
				if str == "" {
					// NewFromConfig falls back to {{.Hash}} for an empty template.
					p.warnf(pos, key, "remove the key, or write tag: \"{{.Hash}}\"", "is empty; the default {{.Hash}} is used, as in linuxkit")
					break
				}
				s.Tag = str
				checkTagTemplate(p, pos, str)
			}
		case "dockerfile":
			s.Dockerfile = ""
			if str, ok := stringValue(p, v, key); ok {
				s.pos[key] = pos
				// An invalid value leaves Dockerfile empty so that Load does
				// not also complain that the default is missing.
				s.Dockerfile, _ = checkRelPath(p, pos, key, str, false)
			}
		case "gitrepo":
			if str, ok := stringValue(p, v, key); ok {
				s.GitRepo = str
				if str == "" || strings.ContainsAny(str, " \t\r\n") {
					p.addf(pos, key, "give the repository URL, e.g. https://github.com/you/repo, or remove the key",
						"%q is not a repository URL", str)
				}
			}
		case "arches":
			s.Arches = parseArches(p, v)
		case "extra-sources":
			s.ExtraSources = parseExtraSources(p, v, s.pos)
		case "network":
			s.Network, _ = boolValue(p, v, key)
		case "disable-content-trust":
			s.DisableContentTrust, _ = boolValue(p, v, key)
		case "disable-cache":
			s.DisableCache, _ = boolValue(p, v, key)
		case "config":
			s.Config = parseConfig(p, v)
		case "buildArgs":
			s.BuildArgs = parseBuildArgs(p, v)
		case "depends":
			s.Depends = parseDepends(p, v, s.pos)
		default:
			unknownKey(p, k, "", key, topKeys)
		}
	})
	if !sawImage {
		p.add(root.Line, root.Column, "image", "required key is missing", "add `image: <name>`, the repository name of the package's image")
	}
	if s.Image != "" && s.Org != "" && len(s.Repository()) > maxNameLen {
		p.addf(position{root.Line, root.Column}, "image", "shorten org or image",
			"%q is %d characters; registries accept at most %d", s.Repository(), len(s.Repository()), maxNameLen)
	}
	return s, p
}

// decodeDocument returns the single top-level node, or nil after reporting
// why there is none.
func decodeDocument(p *problems, data []byte) (root *yaml.Node) {
	// yaml.v3 reports some malformed input by panicking internally; never
	// let that escape to a caller such as Gazelle.
	defer func() {
		if r := recover(); r != nil {
			p.add(0, 0, "", fmt.Sprintf("the YAML parser failed: %v", r), "check the file's YAML syntax")
			root = nil
		}
	}()
	if doc, ok := decodeSimple(data); ok {
		return doc.Content[0]
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			p.add(0, 0, "", "file is empty", "add at least `image: <name>`")
		} else {
			line, msg := yamlErrorLine(err)
			p.add(line, 0, "", "invalid YAML: "+msg, "fix the YAML syntax")
		}
		return nil
	}
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case errors.Is(err, io.EOF):
	case err != nil:
		line, msg := yamlErrorLine(err)
		p.add(line, 0, "", "invalid YAML: "+msg, "fix the YAML syntax")
		return nil
	default:
		// linuxkit decodes only the first document; so do we.
		p.warnf(position{extra.Line, extra.Column}, "", "remove the `---` separator and everything after it, or merge the documents",
			"file has more than one YAML document; only the first is read, as in linuxkit")
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		p.add(0, 0, "", "file is empty", "add at least `image: <name>`")
		return nil
	}
	root = doc.Content[0]
	if isNull(root) {
		p.add(root.Line, root.Column, "", "file has no keys", "add at least `image: <name>`")
		return nil
	}
	return root
}

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): `)

// yamlErrorLine extracts the line number yaml.v3 embeds in syntax errors.
func yamlErrorLine(err error) (int, string) {
	msg := err.Error()
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		var line int
		fmt.Sscanf(m[1], "%d", &line)
		return line, msg[len(m[0]):]
	}
	return 0, strings.TrimPrefix(msg, "yaml: ")
}

// stringValue checks that v is a scalar usable as a string.
func stringValue(p *problems, v *yaml.Node, field string) (string, bool) {
	n := len(p.list)
	checkNode(p, v, reflect.TypeOf(""), field)
	return v.Value, len(p.list) == n
}

// boolValue checks that v is true or false, or one of the YAML 1.1 words
// yaml.v3 (and so linuxkit) decodes into a bool, with a warning.
func boolValue(p *problems, v *yaml.Node, field string) (bool, bool) {
	if b, ok := yaml11Bool(p, v, field); ok {
		return b, true
	}
	if v.Kind != yaml.ScalarNode || v.Tag != "!!bool" {
		fix := "write true or false (unquoted)"
		switch strings.ToLower(v.Value) {
		case "yes", "on", "y":
			fix = "write true (unquoted); YAML 1.2 reads " + v.Value + " as a string"
		case "no", "off", "n":
			fix = "write false (unquoted); YAML 1.2 reads " + v.Value + " as a string"
		}
		p.addf(position{v.Line, v.Column}, field, fix, "must be true or false, not %s", describe(v))
		return false, false
	}
	var b bool
	if err := v.Decode(&b); err != nil {
		p.addf(position{v.Line, v.Column}, field, "write true or false", "must be true or false, not %q", v.Value)
		return false, false
	}
	return b, true
}

func checkImage(p *problems, pos position, image string) {
	first, _, hasSlash := strings.Cut(image, "/")
	switch {
	case image == "":
		p.addf(pos, "image", "give the repository name of the package's image, e.g. image: getty", "must not be empty")
	case hasSlash && isDomain(first):
		p.addf(pos, "image", "move the registry to org, e.g. org: "+first, "%q includes a registry host", image)
	case strings.ContainsAny(image, ":@"):
		name, _, _ := strings.Cut(strings.ReplaceAll(image, "@", ":"), ":")
		p.addf(pos, "image", fmt.Sprintf("use image: %s and set the tag with the `tag` template", name),
			"%q includes a tag or digest", image)
	case strings.HasPrefix(image, "/") || strings.HasSuffix(image, "/"):
		p.addf(pos, "image", "remove the leading or trailing '/'", "%q has a leading or trailing '/'", image)
	default:
		if prob, fix := checkRepoPath(image, "image"); prob != "" {
			p.addf(pos, "image", fix, "%s", prob)
		}
	}
}

func checkOrgField(p *problems, pos position, org string) {
	switch {
	case org == "":
		// linuxkit's Pkg.Tag joins org + "/" + image regardless.
		p.warnf(pos, "org", "remove the key to use the default "+DefaultOrg+", or give the org",
			"is empty, so the image is named /<image> (as linuxkit names it), which no registry accepts")
	case strings.HasPrefix(org, "/") || strings.HasSuffix(org, "/"):
		p.addf(pos, "org", fmt.Sprintf("use org: %s", strings.Trim(org, "/")), "%q has a leading or trailing '/'", org)
	case strings.Contains(org, "://"):
		_, rest, _ := strings.Cut(org, "://")
		p.addf(pos, "org", "drop the scheme: org: "+rest, "%q is a URL; org is a registry path", org)
	default:
		if prob, fix := checkOrg(org); prob != "" {
			p.addf(pos, "org", fix, "%s", prob)
		}
	}
}

func checkTagTemplate(p *problems, pos position, tmpl string) {
	t, err := template.New("tag").Option("missingkey=error").Parse(tmpl)
	if err != nil {
		p.addf(pos, "tag", "write a Go text/template such as {{.Hash}} or v1-{{.Hash}}", "template does not parse: %s", trimTemplateErr(err))
		return
	}
	var b bytes.Buffer
	if err := t.Execute(&b, map[string]string{"Hash": sampleHash}); err != nil {
		p.addf(pos, "tag", "the only value available is {{.Hash}}", "template fails to execute: %s", trimTemplateErr(err))
		return
	}
	if prob, fix := checkTag(b.String()); prob != "" {
		p.addf(pos, "tag", fix, "%s (with a %d-character hash)", prob, len(sampleHash))
	}
}

func trimTemplateErr(err error) string {
	return strings.TrimPrefix(strings.TrimPrefix(err.Error(), "template: "), "tag:")
}

// checkRelPath validates a path that must name something inside the
// package directory: relative, not escaping via "..", not the directory
// itself. It returns the cleaned slash-separated path.
func checkRelPath(p *problems, pos position, field, s string, allowDir bool) (string, bool) {
	switch {
	case s == "":
		p.addf(pos, field, "give a path relative to the package directory, or remove the key", "must not be empty")
		return "", false
	case strings.ContainsAny(s, "\x00\r\n"):
		p.addf(pos, field, "remove it", "%q contains a control character", s)
		return "", false
	case path.IsAbs(s) || strings.HasPrefix(s, `\`) || (len(s) > 1 && s[1] == ':'):
		p.addf(pos, field, "make it relative to the package directory", "%q is an absolute path", s)
		return "", false
	}
	clean := path.Clean(strings.ReplaceAll(s, `\`, "/"))
	switch {
	case clean == ".." || strings.HasPrefix(clean, "../"):
		p.addf(pos, field, "keep it inside the package directory; the build context is the package", "%q is outside the package directory", s)
		return "", false
	case clean == "." && !allowDir:
		p.addf(pos, field, "name a file inside the package directory", "%q is the package directory itself", s)
		return "", false
	}
	return clean, true
}

func parseArches(p *problems, v *yaml.Node) []string {
	if !expectKind(p, v, yaml.SequenceNode, "arches", "a list") {
		return nil
	}
	if len(v.Content) == 0 {
		p.warnf(position{v.Line, v.Column}, "arches", "list the arches to build, or remove the key to build for "+strings.Join(DefaultArches, ", "),
			"is an empty list, so the package has no arches: show-tag prints its tag, build skips it (as linuxkit does)")
		return nil
	}
	var out []string
	seen := map[string]int{}
	for i, item := range v.Content {
		field := fmt.Sprintf("arches[%d]", i)
		a, ok := stringValue(p, item, field)
		if !ok {
			continue
		}
		pos := position{item.Line, item.Column}
		if !ValidArch(a) {
			p.addf(pos, field, archFix(a), "%q is not a GOARCH name", a)
			continue
		}
		if line, dup := seen[a]; dup {
			// linuxkit would build it twice; the tag does not depend on it.
			p.warnf(pos, field, "remove the duplicate", "%s is listed twice (first on line %d); it is built once", a, line)
			continue
		}
		seen[a] = item.Line
		out = append(out, a)
	}
	return out
}

func parseExtraSources(p *problems, v *yaml.Node, pos map[string]position) []ExtraSource {
	if !expectKind(p, v, yaml.SequenceNode, "extra-sources", "a list") {
		return nil
	}
	var out []ExtraSource
	dsts := map[string]int{}
	for i, item := range v.Content {
		field := fmt.Sprintf("extra-sources[%d]", i)
		str, ok := stringValue(p, item, field)
		if !ok {
			continue
		}
		ipos := position{item.Line, item.Column}
		parts := strings.Split(str, ":")
		if len(parts) != 2 {
			p.addf(ipos, field, "write it as <src>:<dst>, e.g. ../../vendor:/vendor (paths cannot contain ':')",
				"%q must contain exactly one ':', found %d", str, len(parts)-1)
			continue
		}
		src, dst := parts[0], parts[1]
		bad := false
		switch {
		case src == "":
			p.addf(ipos, field, "write <src>:<dst> with src relative to the package directory", "%q has an empty source", str)
			bad = true
		case path.IsAbs(src):
			// linuxkit copies it as is and hashes it with its own
			// repository's git, and so does the CLI; but it ties the build
			// to one machine, and a Bazel action cannot declare it as an
			// input (pkg.manifestHash refuses it there).
			p.warnf(ipos, field, "make the source relative to the package directory",
				"source %q is an absolute path: the build depends on this machine, and Bazel refuses it", src)
		case strings.HasPrefix(src, `\`):
			p.addf(ipos, field, "make the source relative to the package directory", "source %q is an absolute path", src)
			bad = true
		case strings.ContainsAny(src, "\x00\r\n"):
			p.addf(ipos, field, "remove it", "source %q contains a control character", src)
			bad = true
		}
		cleanDst := path.Clean("/" + dst)
		switch {
		case dst == "":
			p.addf(ipos, field, "give the destination in the build context, e.g. /vendor", "%q has an empty destination", str)
			bad = true
		case strings.ContainsAny(dst, "\x00\r\n"):
			p.addf(ipos, field, "remove it", "destination %q contains a control character", dst)
			bad = true
		case hasDotDot(dst):
			p.addf(ipos, field, "give a path inside the build context, e.g. /vendor", "destination %q escapes the build context", dst)
			bad = true
		case cleanDst == "/":
			p.addf(ipos, field, "give a subdirectory, e.g. /vendor", "destination %q is the root of the build context, which holds the package itself", dst)
			bad = true
		}
		if bad {
			continue
		}
		if line, dup := dsts[cleanDst]; dup {
			p.addf(ipos, field, "give each extra source its own destination", "destination %s is already used on line %d", cleanDst, line)
			continue
		}
		dsts[cleanDst] = item.Line
		pos[fmt.Sprintf("extra-sources[%d]", len(out))] = ipos
		out = append(out, ExtraSource{Src: path.Clean(src), Dst: cleanDst})
	}
	return out
}

// hasDotDot reports whether a slash path has a ".." element.
func hasDotDot(s string) bool {
	for _, e := range strings.Split(strings.ReplaceAll(s, `\`, "/"), "/") {
		if e == ".." {
			return true
		}
	}
	return false
}

func parseConfig(p *problems, v *yaml.Node) *ImageConfig {
	n := len(p.list)
	checkNode(p, v, reflect.TypeOf(ImageConfig{}), "config")
	if len(p.list) != n {
		return nil
	}
	c := &ImageConfig{}
	if err := v.Decode(c); err != nil {
		// checkNode should have caught everything; keep the decoder's word.
		p.addf(position{v.Line, v.Column}, "config", "check the types of config's values", "%s", strings.ReplaceAll(err.Error(), "\n", " "))
		return nil
	}
	if _, err := c.Label(); err != nil {
		p.addf(position{v.Line, v.Column}, "config", "check the types of config's values", "cannot be serialised as the %s label: %v", ConfigLabel, err)
		return nil
	}
	return c
}

func parseBuildArgs(p *problems, v *yaml.Node) []BuildArg {
	if !expectKind(p, v, yaml.SequenceNode, "buildArgs", "a list") {
		return nil
	}
	var out []BuildArg
	seen := map[string]int{}
	for i, item := range v.Content {
		field := fmt.Sprintf("buildArgs[%d]", i)
		str, ok := stringValue(p, item, field)
		if !ok {
			continue
		}
		ipos := position{item.Line, item.Column}
		a, probs, warns := parseBuildArg(str)
		for _, pr := range probs {
			p.addf(ipos, field, pr[1], "%s", pr[0])
		}
		for _, w := range warns {
			p.warnf(ipos, field, w[1], "%s", w[0])
		}
		if len(probs) > 0 {
			continue
		}
		if line, dup := seen[a.Name]; dup {
			p.addf(ipos, field, "remove one; docker would silently use the last", "build arg %s is set twice (first on line %d)", a.Name, line)
			continue
		}
		seen[a.Name] = item.Line
		out = append(out, a)
	}
	return out
}

var (
	dependsKeys      = []string{"docker-images"}
	dockerImagesKeys = []string{"target-dir", "target", "from-file", "list"}
)

func parseDepends(p *problems, v *yaml.Node, pos map[string]position) Depends {
	var d Depends
	if !expectKind(p, v, yaml.MappingNode, "depends", "a mapping") {
		return d
	}
	forEachKey(p, v, "depends", func(key string, k, dv *yaml.Node) {
		if key != "docker-images" {
			unknownKey(p, k, "depends", key, dependsKeys)
			return
		}
		d.DockerImages = parseDockerImages(p, dv, pos)
	})
	return d
}

func parseDockerImages(p *problems, v *yaml.Node, pos map[string]position) DockerImages {
	const base = "depends.docker-images"
	var di DockerImages
	if isNull(v) {
		return di
	}
	if !expectKind(p, v, yaml.MappingNode, base, "a mapping") {
		return di
	}
	keyPos := map[string]position{}
	forEachKey(p, v, base, func(key string, k, kv *yaml.Node) {
		field := base + "." + key
		vpos := position{kv.Line, kv.Column}
		keyPos[key] = position{k.Line, k.Column}
		var dst *string
		switch key {
		case "target-dir":
			dst = &di.TargetDir
		case "target":
			dst = &di.Target
		case "from-file":
			dst = &di.FromFile
		case "list":
			di.List = parseImageList(p, kv, field)
			return
		default:
			unknownKey(p, k, base, key, dockerImagesKeys)
			return
		}
		str, ok := stringValue(p, kv, field)
		if !ok {
			return
		}
		if clean, ok := checkRelPath(p, vpos, field, str, false); ok {
			*dst = clean
			pos[field] = vpos
		}
	})
	if _, a := keyPos["target"]; a {
		if b, both := keyPos["target-dir"]; both {
			p.addf(b, base+".target-dir", "keep one: target for a single tar of all images, target-dir for one tar per image", "target and target-dir are mutually exclusive")
		}
	}
	if _, a := keyPos["list"]; a {
		if b, both := keyPos["from-file"]; both {
			p.addf(b, base+".from-file", "keep one: list the images inline or in from-file", "list and from-file are mutually exclusive")
		}
	}
	_, hasT := keyPos["target"]
	_, hasTD := keyPos["target-dir"]
	_, hasL := keyPos["list"]
	_, hasF := keyPos["from-file"]
	if (hasL || hasF) && !hasT && !hasTD {
		p.addf(position{v.Line, v.Column}, base, "add target: <file>.tar or target-dir: <dir>", "images are listed but there is no target or target-dir to save them to")
	}
	return di
}

func parseImageList(p *problems, v *yaml.Node, field string) []string {
	if !expectKind(p, v, yaml.SequenceNode, field, "a list") {
		return nil
	}
	var out []string
	for i, item := range v.Content {
		f := fmt.Sprintf("%s[%d]", field, i)
		ref, ok := stringValue(p, item, f)
		if !ok {
			continue
		}
		if prob, fix := checkPinnedRef(ref); prob != "" {
			p.addf(position{item.Line, item.Column}, f, fix, "%s", prob)
			continue
		}
		out = append(out, ref)
	}
	return out
}
