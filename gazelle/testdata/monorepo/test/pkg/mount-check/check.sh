#!/bin/sh
# Formats a scratch disk and checks that it mounts.
set -e
disk-format /dev/vdb
mount /dev/vdb1 /mnt && umount /mnt
