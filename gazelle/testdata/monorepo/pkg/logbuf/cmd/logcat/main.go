// Command logcat prints the logs logbufd holds.
package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "-version" {
		fmt.Println("logcat dev")
		return
	}
	fmt.Fprintln(os.Stderr, "logcat: prints the logs logbufd holds")
}
