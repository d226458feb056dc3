//go:build unix

package hash

import "syscall"

const oNoFollow = syscall.O_NOFOLLOW
