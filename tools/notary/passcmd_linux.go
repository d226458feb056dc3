package notary

import "syscall"

// passCommandAttr runs the passphrase command in its own process group, and the kernel
// kills it if lkpkg dies.
func passCommandAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
