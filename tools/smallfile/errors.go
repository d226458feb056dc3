// Package smallfile reads small files whole (build.yml files, Dockerfiles,
// .gitignore files: thousands of them in one Gazelle run) in the fewest
// system calls: open, read until the end, close. os.ReadFile adds an fstat
// and, through os.File, the poller's fcntl and epoll calls; where system
// calls are dear (a VM with page-table isolation), that doubles the cost of
// reading a small file.
package smallfile

import "errors"

// ErrNotRegular is ReadRegularNoFollow's answer for a symlink, a directory
// or a special file.
var ErrNotRegular = errors.New("not a regular file")
