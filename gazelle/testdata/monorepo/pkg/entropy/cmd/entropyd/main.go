// Command entropyd feeds the kernel entropy pool from the CPU's generator.
package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "-version" {
		fmt.Println("entropyd dev")
		return
	}
	fmt.Fprintln(os.Stderr, "entropyd: feeds the kernel entropy pool from the CPU's generator")
}
