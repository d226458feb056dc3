package spec

import (
	"fmt"
	"slices"
	"strings"
)

// DefaultArches are the architectures a package is built for when build.yml
// has no arches key; the same set linuxkit builds by default today.
var DefaultArches = []string{"amd64", "arm64", "riscv64"}

// linuxArches are the GOARCH values with a linux port (`go tool dist list`).
// Packages are Linux container images, so GOARCHes without a linux port
// (wasm) cannot be built and are rejected.
var linuxArches = []string{
	"386", "amd64", "arm", "arm64", "loong64",
	"mips", "mips64", "mips64le", "mipsle",
	"ppc64", "ppc64le", "riscv64", "s390x",
}

// archAliases maps names people commonly write (uname -m, Debian and
// Docker platform spellings) to the GOARCH they mean, for the fix hint.
var archAliases = map[string]string{
	"x86_64": "amd64", "x86-64": "amd64", "x64": "amd64",
	"aarch64": "arm64", "armv8": "arm64", "arm64v8": "arm64",
	"i386": "386", "i486": "386", "i586": "386", "i686": "386", "x86": "386",
	"armhf": "arm", "armel": "arm", "armv6": "arm", "armv6l": "arm", "armv7": "arm", "armv7l": "arm", "arm32v7": "arm", "arm32v6": "arm",
	"ppc64el": "ppc64le", "powerpc64le": "ppc64le", "powerpc64": "ppc64",
	"riscv": "riscv64", "rv64": "riscv64", "riscv64gc": "riscv64",
	"loongarch64": "loong64", "s390": "s390x",
}

// ValidArch reports whether a is a GOARCH name that linuxkit packages can be
// built for (one with a linux port).
func ValidArch(a string) bool {
	return slices.Contains(linuxArches, a)
}

// LinuxArches returns the arches ValidArch accepts, for messages.
func LinuxArches() []string { return slices.Clone(linuxArches) }

// archFix suggests the GOARCH the user most likely meant.
func archFix(a string) string {
	valid := "(valid: " + strings.Join(linuxArches, ", ") + ")"
	l := strings.ToLower(strings.TrimSpace(a))
	// Accept the Docker platform spelling in the hint: linux/amd64, linux/arm/v7.
	if rest, ok := strings.CutPrefix(l, "linux/"); ok {
		l, _, _ = strings.Cut(rest, "/")
	}
	if ValidArch(l) {
		return fmt.Sprintf("use %s %s", l, valid)
	}
	if g, ok := archAliases[l]; ok {
		return fmt.Sprintf("use %s %s", g, valid)
	}
	if c := closest(l, linuxArches); c != "" {
		return fmt.Sprintf("did you mean %s? %s", c, valid)
	}
	return "use a GOARCH name " + valid
}
