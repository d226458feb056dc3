// Command disk-format partitions and formats the first empty disk.
package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "-version" {
		fmt.Println("disk-format dev")
		return
	}
	fmt.Fprintln(os.Stderr, "disk-format: partitions and formats the first empty disk")
}
