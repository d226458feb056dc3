// Command logbufd keeps the last megabyte of service logs in memory.
package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "-version" {
		fmt.Println("logbufd dev")
		return
	}
	fmt.Fprintln(os.Stderr, "logbufd: keeps the last megabyte of service logs in memory")
}
