package synchronizer

import (
	"cmp"
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/bigbrotr/bigbrotr/internal/loop"
)

// diskPoll is how often paused writes look at the disk again.
const diskPoll = 10 * time.Second

// diskGuard pauses the writer while the filesystem of the embedded store's
// data directory has less than min_free_disk available, so that the
// archive stops growing before the disk is full (a full disk breaks the
// SQLite WAL for every loop, not only this one), and lets it resume by
// itself once space is freed. PostgreSQL's disk is not visible from the
// node: there a full disk shows as failed writes, which are retried.
type diskGuard struct {
	s    *Syncer
	dir  string
	min  int64
	free func(dir string) (int64, error) // available bytes
	poll time.Duration                   // between checks while paused; 0: diskPoll

	mu     sync.Mutex
	paused bool
}

// holdWrites is the writer's hold: it returns at once while there is room,
// and otherwise waits until there is, or ctx ends.
func (g *diskGuard) holdWrites(ctx context.Context) error {
	if g == nil || g.dir == "" || g.min <= 0 {
		return nil
	}
	for {
		free, err := g.free(g.dir)
		if err != nil {
			// An unreadable filesystem is no reason to stop archiving.
			g.s.Logger().Warn("free disk unknown", "dir", g.dir, "err", err)
			return nil
		}
		g.s.metrics.diskFree.Set(float64(free))
		if !g.pause(free < g.min, free) {
			return nil
		}
		if !loop.Sleep(ctx, cmp.Or(g.poll, diskPoll)) {
			return ctx.Err()
		}
	}
}

// pause records whether writes wait, logging and setting the gauge on
// each change, and returns low.
func (g *diskGuard) pause(low bool, free int64) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if low == g.paused {
		return low
	}
	g.paused = low
	if low {
		g.s.metrics.writesPaused.Set(1)
		g.s.Logger().Error("disk nearly full: synchronizer writes paused until space is freed",
			"dir", g.dir, "free", mib(free), "min_free_disk", mib(g.min))
	} else {
		g.s.metrics.writesPaused.Set(0)
		g.s.Logger().Info("disk space back: synchronizer writes resumed", "dir", g.dir, "free", mib(free))
	}
	return low
}

func mib(n int64) string { return fmt.Sprintf("%d MiB", n>>20) }
