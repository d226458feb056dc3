// Command svcctl asks the supervisor to start or stop a service.
package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "-version" {
		fmt.Println("svcctl dev")
		return
	}
	fmt.Fprintln(os.Stderr, "svcctl: asks the supervisor to start or stop a service")
}
