module github.com/rules-linuxkit/rules_linuxkit

go 1.26
