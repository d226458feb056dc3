#!/bin/sh
# One login prompt per console named on the kernel command line.
for c in $(sed -n 's/.*console=\([^ ,]*\).*/\1/p' /proc/cmdline); do
	agetty --noclear "$c" 115200 &
done
wait
