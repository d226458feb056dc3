package buildkitd

import (
	"context"
	"sort"

	"github.com/moby/buildkit/client"
)

// Usage is the disk usage of a daemon's build cache.
type Usage struct {
	// Records are the cache records, largest first.
	Records []*client.UsageInfo
	// Total is the size of every record; Reclaimable of those not in use,
	// which is what 'lkpkg builder prune' frees.
	Total, Reclaimable int64
}

// DiskUsage asks the daemon at addr for its build cache records (the
// DiskUsage call of BuildKit's control API, as buildctl du makes it).
func DiskUsage(ctx context.Context, addr string, opts ...client.ClientOpt) (*Usage, error) {
	c, err := client.New(ctx, addr, opts...)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	recs, err := c.DiskUsage(ctx)
	if err != nil {
		return nil, err
	}
	u := &Usage{Records: recs}
	for _, r := range recs {
		u.Total += r.Size
		if !r.InUse {
			u.Reclaimable += r.Size
		}
	}
	sort.SliceStable(u.Records, func(i, j int) bool { return u.Records[i].Size > u.Records[j].Size })
	return u, nil
}
