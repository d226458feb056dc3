// Command sysfs-tune writes the values of /etc/sysfs.d/*.conf to /sys.
package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "-version" {
		fmt.Println("sysfs-tune dev")
		return
	}
	fmt.Fprintln(os.Stderr, "sysfs-tune: writes the values of /etc/sysfs.d/*.conf to /sys")
}
