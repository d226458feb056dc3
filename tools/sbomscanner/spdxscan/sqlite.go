package spdxscan

// syft reads newer RPM databases and Nix stores through database/sql with
// the "sqlite" driver, which the program must register: modernc's is pure
// Go, so the scanner stays a static CGO_ENABLED=0 binary.
import _ "modernc.org/sqlite"
