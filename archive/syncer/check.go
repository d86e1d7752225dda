package syncer

import (
	"context"
	"runtime"
	"strings"
	"sync"

	"github.com/nbd-wtf/go-nostr"
)

// Reject reasons: the "reason" label of the rejected-events metric.
const (
	ReasonMalformed      = "malformed"        // EVENT whose event does not decode
	ReasonInvalidID      = "invalid_id"       // id is not the hash of the event
	ReasonInvalidSig     = "invalid_sig"      // signature does not verify
	ReasonOversized      = "oversized"        // JSON over max_event_bytes
	ReasonFarFuture      = "far_future"       // created_at beyond now+max_future
	ReasonFilterMismatch = "filter_mismatch"  // does not match the REQ that fetched it
	ReasonStorage        = "storage_rejected" // refused by the store (NUL bytes, huge tag values)
	ReasonTruncated      = "truncated_second" // a second the relay would not give in full
)

// Reasons lists every reject reason, for metric initialisation.
var Reasons = []string{ReasonMalformed, ReasonInvalidID, ReasonInvalidSig, ReasonOversized,
	ReasonFarFuture, ReasonFilterMismatch, ReasonStorage, ReasonTruncated}

// checker verifies ids and signatures on a pool of one goroutine per core,
// shared by every relay of a cycle, so that a few busy relays use every
// core and many relays never use more.
type checker struct {
	jobs  chan checkJob
	cache *sigCache
	wg    sync.WaitGroup
}

type checkJob struct {
	ev  *nostr.Event
	out *string
	wg  *sync.WaitGroup
}

func newChecker() *checker {
	c := &checker{jobs: make(chan checkJob, 256), cache: newSigCache(1 << 16)}
	for range runtime.GOMAXPROCS(0) {
		c.wg.Add(1)
		go func() {
			defer c.wg.Done()
			for j := range c.jobs {
				*j.out = c.verify(j.ev)
				j.wg.Done()
			}
		}()
	}
	return c
}

func (c *checker) stop() {
	close(c.jobs)
	c.wg.Wait()
}

// checkAll returns one reason per event, "" for a valid one.
func (c *checker) checkAll(ctx context.Context, evs []*nostr.Event) ([]string, error) {
	out := make([]string, len(evs))
	var wg sync.WaitGroup
	for i, ev := range evs {
		wg.Add(1)
		select {
		case c.jobs <- checkJob{ev: ev, out: &out[i], wg: &wg}:
		case <-ctx.Done():
			wg.Done()
			wg.Wait()
			return nil, ctx.Err()
		}
	}
	wg.Wait()
	return out, nil
}

func (c *checker) verify(ev *nostr.Event) string {
	if !ev.CheckID() {
		return ReasonInvalidID
	}
	// The id binds everything but the signature, so an (id, sig) pair
	// verified once stays verified: overlapping relays serve the same
	// events, and each is checked once however many relays hold it.
	if c.cache.has(ev.ID, ev.Sig) {
		return ""
	}
	if ok, err := ev.CheckSignature(); err != nil || !ok {
		return ReasonInvalidSig
	}
	c.cache.add(ev.ID, ev.Sig)
	return ""
}

// sigCache remembers verified (id, sig) pairs in two generations of at most
// size entries each: memory stays bounded and recent pairs stay cached.
type sigCache struct {
	mu        sync.Mutex
	size      int
	cur, prev map[string]string
}

func newSigCache(size int) *sigCache {
	return &sigCache{size: size, cur: make(map[string]string, size)}
}

func (c *sigCache) has(id, sig string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := c.cur[id]; ok {
		return s == sig
	}
	s, ok := c.prev[id]
	return ok && s == sig
}

func (c *sigCache) add(id, sig string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.cur) >= c.size {
		c.prev, c.cur = c.cur, make(map[string]string, c.size)
	}
	// Cloned so that the cache does not pin the decoded event's buffers.
	c.cur[strings.Clone(id)] = strings.Clone(sig)
}
