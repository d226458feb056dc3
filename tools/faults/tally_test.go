//go:build faults

package faults

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"testing"
)

// family counts the cases of one fault family for the summary lines.
type family struct {
	name string

	mu             sync.Mutex
	ran            bool
	passed, failed int
	// notes are counters shown in parentheses after the counts, e.g.
	// "entries lost" for the registry family.
	notes map[string]int
	// texts are free-form notes (fuzzer exec counts).
	texts []string
}

var (
	famRegistry    = &family{name: "registry kill points"}
	famConcurrency = &family{name: "concurrency"}
	famHostile     = &family{name: "hostile inputs"}
	famFuzz        = &family{name: "fuzz"}
	famSecrets     = &family{name: "secrets"}
	// families in the order the summary prints them.
	families = []*family{famRegistry, famConcurrency, famHostile, famFuzz, famSecrets}
)

// start marks the family's top-level test: if it fails outside any case
// (its set-up, e.g. a server that did not start), that is one failure.
func (f *family) start(t *testing.T) {
	f.mu.Lock()
	f.ran = true
	f.mu.Unlock()
	t.Cleanup(func() {
		f.mu.Lock()
		defer f.mu.Unlock()
		if t.Failed() && f.failed == 0 {
			f.failed++
		}
	})
}

// track counts the (sub)test t as one case: passed unless it failed or
// was skipped (a skipped fault case proves nothing).
func (f *family) track(t *testing.T) {
	t.Cleanup(func() {
		f.mu.Lock()
		defer f.mu.Unlock()
		if t.Failed() || t.Skipped() {
			f.failed++
		} else {
			f.passed++
		}
	})
}

// note adds n to the named counter.
func (f *family) note(key string, n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.notes == nil {
		f.notes = map[string]int{}
	}
	f.notes[key] += n
}

// text adds a free-form note.
func (f *family) text(s string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.texts = append(f.texts, s)
}

func (f *family) line() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := fmt.Sprintf("faults: %s: %d passed, %d failed", f.name, f.passed, f.failed)
	var extra []string
	keys := make([]string, 0, len(f.notes))
	for k := range f.notes {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		extra = append(extra, fmt.Sprintf("%d %s", f.notes[k], k))
	}
	extra = append(extra, f.texts...)
	if len(extra) > 0 {
		s += " (" + strings.Join(extra, ", ") + ")"
	}
	return s
}

// printSummary prints one line per family that ran, then the total.
func printSummary(w io.Writer) {
	var passed, failed int
	fmt.Fprintln(w)
	for _, f := range families {
		if !f.ran {
			continue
		}
		fmt.Fprintln(w, f.line())
		f.mu.Lock()
		passed += f.passed
		failed += f.failed
		f.mu.Unlock()
	}
	fmt.Fprintf(w, "faults: %d passed, %d failed\n", passed, failed)
}
