//go:build !unix

package hash

const oNoFollow = 0
