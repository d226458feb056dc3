//go:build faults

package faults

import (
	"fmt"
	"sort"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/validate"
)

// platformString spells a platform with every field that tells two
// entries of an index apart: os/arch[/variant][+os.features].
func platformString(p *v1.Platform) string {
	if p == nil {
		return "(no platform)"
	}
	s := p.OS + "/" + p.Architecture
	if p.Variant != "" {
		s += "/" + p.Variant
	}
	if len(p.OSFeatures) > 0 {
		s += "+" + strings.Join(p.OSFeatures, ",")
	}
	return s
}

// indexCheck is what checkIndex found in a registry's index.
type indexCheck struct {
	// entries maps platformString to digest, as the index lists them.
	entries map[string]v1.Hash
	// missing are wanted platforms absent or with another digest.
	missing []string
	// problems are everything else wrong: unreadable index, a child
	// manifest or blob that does not resolve or does not match its
	// digest, duplicate or unexpected entries.
	problems []string
}

func (c indexCheck) ok() bool { return len(c.missing) == 0 && len(c.problems) == 0 }

func (c indexCheck) String() string {
	var have []string
	for p, d := range c.entries {
		have = append(have, p+"@"+d.Hex[:12])
	}
	sort.Strings(have)
	return fmt.Sprintf("index has [%s]; missing %v; problems %v", strings.Join(have, " "), c.missing, c.problems)
}

// checkIndex reads ref (host/repo:tag) straight from the registry and
// checks it is complete and valid: every entry of want (platformString to
// digest) is there with that digest, there is no other entry, and every
// child manifest, config and layer resolves and matches its digest.
func checkIndex(ref string, want map[string]v1.Hash) indexCheck {
	c := indexCheck{entries: map[string]v1.Hash{}}
	r, err := name.ParseReference(ref, name.Insecure)
	if err != nil {
		c.problems = append(c.problems, err.Error())
		return c
	}
	idx, err := remote.Index(r)
	if err != nil {
		c.problems = append(c.problems, fmt.Sprintf("reading %s: %v", ref, err))
		for p := range want {
			c.missing = append(c.missing, p)
		}
		return c
	}
	im, err := idx.IndexManifest()
	if err != nil {
		c.problems = append(c.problems, fmt.Sprintf("parsing %s: %v", ref, err))
		return c
	}
	for _, d := range im.Manifests {
		p := platformString(d.Platform)
		if _, dup := c.entries[p]; dup {
			c.problems = append(c.problems, "two entries for "+p)
		}
		c.entries[p] = d.Digest
		if _, ok := want[p]; !ok {
			c.problems = append(c.problems, "unexpected entry "+p+"@"+d.Digest.String())
		}
	}
	for p, d := range want {
		if got, ok := c.entries[p]; !ok || got != d {
			c.missing = append(c.missing, p)
		}
	}
	sort.Strings(c.missing)
	if err := validate.Index(idx); err != nil {
		c.problems = append(c.problems, fmt.Sprintf("%s does not validate: %v", ref, err))
	}
	return c
}
