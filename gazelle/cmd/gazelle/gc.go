package main

import (
	"os"
	"runtime/debug"
)

// Gazelle allocates a lot of short-lived syntax trees; with Go's default
// GOGC=100 a 5,000-package run spends about a quarter of its CPU in the
// garbage collector. Trade memory for time unless GOGC says otherwise.
func init() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
}
