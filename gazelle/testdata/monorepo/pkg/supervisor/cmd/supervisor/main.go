// Command supervisor starts and restarts the boot services.
package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "-version" {
		fmt.Println("supervisor dev")
		return
	}
	fmt.Fprintln(os.Stderr, "supervisor: starts and restarts the boot services")
}
