//go:build unix

package gitignore

import "syscall"

// syscallENOTDIR: a path component is a file, e.g. .git is a gitdir file.
var syscallENOTDIR error = syscall.ENOTDIR
