// Command binfmt-setup registers the qemu emulators with binfmt_misc.
package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "-version" {
		fmt.Println("binfmt-setup dev")
		return
	}
	fmt.Fprintln(os.Stderr, "binfmt-setup: registers the qemu emulators with binfmt_misc")
}
