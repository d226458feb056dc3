//go:build !linux

package notary

import "syscall"

// passCommandAttr runs the passphrase command in its own process group. Only Linux has a
// parent-death signal: elsewhere (macOS, where the prebuilt lkpkg also runs) a command
// outlives an lkpkg that is killed outright, though not a timeout, an interrupt or its
// own end, which kill its group.
func passCommandAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
