module example.com/minios/pkg/sysfs-tune

go 1.23
