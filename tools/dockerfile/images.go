package dockerfile

import (
	"strconv"
	"strings"
)

// Images returns the words naming the images the Dockerfile builds FROM or
// copies/mounts --from, in order, with ARGs expanded as BuildKit does: env
// (e.g. the automatic platform args) and the global ARG defaults, the
// defaults overridden by given for the ARGs the Dockerfile declares. Stage
// names, stage indices and words that expand to nothing (or fail to) are
// left out; whether a word is "scratch" or a valid reference is the caller's
// question.
func (f *File) Images(env, given map[string]string) []string {
	vars := make(map[string]string, len(env)+len(f.MetaArgs))
	for k, v := range env {
		vars[k] = v
	}
	lookup := func(k string) (string, bool) {
		v, ok := vars[k]
		return v, ok
	}
	for _, a := range f.MetaArgs {
		if v, ok := given[a.Key]; ok {
			vars[a.Key] = v
		} else if a.HasValue {
			if v, err := Expand(a.Value, f.Escape, lookup); err == nil {
				vars[a.Key] = v
			}
		}
	}
	var out []string
	stages := map[string]bool{}
	add := func(word string) {
		v, err := Expand(word, f.Escape, lookup)
		if err != nil || v == "" || stages[strings.ToLower(v)] {
			return
		}
		if _, err := strconv.Atoi(v); err == nil {
			return // a stage index
		}
		out = append(out, v)
	}
	for _, st := range f.Stages {
		add(st.Base)
		for _, w := range st.Froms {
			add(w)
		}
		if st.Name != "" {
			stages[st.Name] = true
		}
	}
	return out
}
