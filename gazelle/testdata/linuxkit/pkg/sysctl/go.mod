module sysctl
