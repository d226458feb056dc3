//go:build !unix

package gitignore

import "errors"

var syscallENOTDIR = errors.New("never matches")
