package hash

import (
	"fmt"
	"os"
	"runtime"
	"sync"
)

// pool hashes file nodes on runtime.NumCPU workers. Each worker owns one
// hasher (sha1 state + read buffer), so the per-file cost is the syscalls.
type pool struct {
	jobs chan *node
	wg   sync.WaitGroup

	mu  sync.Mutex
	err error
	// failed is read by producers to stop queueing work after an error.
	failed chan struct{}
	follow bool
}

func newPool(follow bool) *pool {
	p := &pool{jobs: make(chan *node, 1024), failed: make(chan struct{}), follow: follow}
	for range runtime.NumCPU() {
		p.wg.Add(1)
		go p.work()
	}
	return p
}

func (p *pool) work() {
	defer p.wg.Done()
	hs := newHasher()
	for n := range p.jobs {
		if p.stopped() {
			continue // drain
		}
		if err := p.hashFile(hs, n); err != nil {
			p.fail(err)
		}
	}
}

func (p *pool) stopped() bool {
	select {
	case <-p.failed:
		return true
	default:
		return false
	}
}

// fail records the first error and makes everyone stop early.
func (p *pool) fail(err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.err == nil {
		p.err = err
		close(p.failed)
	}
}

// submit queues n; it returns false once the pool has failed.
func (p *pool) submit(n *node) bool {
	select {
	case p.jobs <- n:
		return true
	case <-p.failed:
		return false
	}
}

// wait finishes the pool and returns the first error.
func (p *pool) wait() error {
	close(p.jobs)
	p.wg.Wait()
	return p.err
}

func (p *pool) hashFile(hs *hasher, n *node) error {
	if n.open != nil {
		r, err := n.open()
		if err != nil {
			return fmt.Errorf("%s: %w", n.rel, err)
		}
		err = hs.blob(r, n.size, &n.id)
		if cerr := r.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("%s: %w", n.rel, err)
		}
		return nil
	}
	flags := os.O_RDONLY
	if !p.follow {
		// Never hash a symlink's target by accident if the file was
		// replaced by one after the directory was read.
		flags |= oNoFollow
	}
	f, err := os.OpenFile(n.abs, flags, 0)
	if err != nil {
		return err // *PathError names the file
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%s: not a regular file (changed while hashing?)", n.abs)
	}
	// git records only the owner's execute bit (ce_permissions: mode & 0100).
	n.mode = ModeRegular
	if fi.Mode().Perm()&0o100 != 0 {
		n.mode = ModeExecutable
	}
	if err := hs.blob(f, fi.Size(), &n.id); err != nil {
		return fmt.Errorf("%s: %w", n.abs, err)
	}
	return nil
}

// hashAll hashes the given file nodes in parallel.
func hashAll(files []*node) error {
	if len(files) == 0 {
		return nil
	}
	p := newPool(false)
	for _, n := range files {
		if !p.submit(n) {
			break
		}
	}
	return p.wait()
}
