package syncer

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nbd-wtf/go-nostr"
)

// relayRun is one relay's sync within a cycle.
type relayRun struct {
	s        *Syncer
	relay    Relay
	filters  []nostr.Filter
	limit    int
	idle     time.Duration
	neg      string // override: "on", "off" or "" (detect)
	cur      cursor
	sess     *session
	stats    relayStats
	progress bool // a request completed since the last failure
	// started and reported time the progress lines of a long sync.
	started, reported time.Time
}

type relayStats struct {
	fetched int
	valid   int
	rejects map[string]int
}

func (r *relayRun) reject(reason string) {
	r.stats.rejects[reason]++
	r.s.metrics.rejected.WithLabelValues(reason).Inc()
}

// commit queues the cursor behind everything the relay submitted so far.
func (r *relayRun) commit(ctx context.Context) error {
	c := r.cur
	r.logProgress()
	return r.s.writer.submit(ctx, writeItem{state: c.state(r.relay.URL)})
}

func (s *Syncer) newRun(ctx context.Context, rel Relay) *relayRun {
	r := &relayRun{s: s, relay: rel, filters: s.filters, limit: s.cfg.Limit, idle: s.cfg.IdleTimeout,
		stats: relayStats{rejects: map[string]int{}}}
	r.started = s.now()
	r.reported = r.started
	if o, ok := s.overrides[rel.URL]; ok {
		if len(o.Filters) > 0 {
			r.filters = nostrFilters(o.Filters)
		}
		if o.Limit > 0 {
			r.limit = o.Limit
		}
		if o.IdleTimeout > 0 {
			r.idle = o.IdleTimeout
		}
		if o.MaxLimit > 0 {
			r.limit = min(r.limit, o.MaxLimit)
		}
		r.neg = o.Negentropy
	}
	if s.maxLimit != nil {
		if ml := s.maxLimit(ctx, rel.URL); ml > 0 {
			r.limit = min(r.limit, ml)
		}
	}
	return r
}

// syncRelay brings one relay's cursor to now-end_lag. It redials after a
// lost connection, as long as each attempt makes progress or retries are
// left; a relay that refuses (auth, CLOSED) is left for the next cycle.
func (s *Syncer) syncRelay(ctx context.Context, rel Relay) (*relayRun, error) {
	r := s.newRun(ctx, rel)
	var err error
	if r.cur, err = s.loadCursor(ctx, rel.URL, r.filters); err != nil {
		return r, err
	}
	end := s.now().Add(-s.cfg.EndLag).Unix()
	if !r.cur.walking() {
		if r.cur.Next > end {
			return r, nil
		}
		r.cur.Top, r.cur.Mark, r.cur.Filter = end, end, 0
	}
	defer func() {
		if r.sess != nil {
			r.sess.close()
		}
	}()
	failures := 0
	for {
		r.progress = false
		err := r.connectAndWalk(ctx)
		if err == nil {
			break
		}
		if r.sess != nil {
			r.sess.close()
			r.sess = nil
		}
		if ctx.Err() != nil {
			return r, ctx.Err()
		}
		if werr := s.writer.failed(); werr != nil {
			return r, werr
		}
		if r.progress {
			failures = 0
		}
		failures++
		var re *relayError
		if errors.As(err, &re) || failures > s.cfg.Retries {
			return r, err
		}
		s.log.Debug("relay retry", "relay", rel.URL, "attempt", failures, "err", err)
		if !sleep(ctx, s.backoff(failures)) {
			return r, ctx.Err()
		}
	}
	r.cur.Next = r.cur.Top + 1
	r.cur.Top, r.cur.Mark, r.cur.Filter = 0, 0, 0
	return r, r.commit(ctx)
}

func (r *relayRun) connectAndWalk(ctx context.Context) error {
	if r.sess == nil {
		ws, _, err := r.s.tr.DialWebSocket(ctx, r.relay.URL)
		if err != nil {
			return fmt.Errorf("sync %s: %w", r.relay.URL, err)
		}
		r.sess = &session{ws: ws, url: r.relay.URL, idle: r.idle, signer: r.s.signer}
	}
	if err := r.walk(ctx); err != nil {
		return fmt.Errorf("sync %s: %w", r.relay.URL, err)
	}
	return nil
}

// backoff is base·2^(n-1), capped at max.
func (s *Syncer) backoff(n int) time.Duration {
	d := s.cfg.BackoffBase
	for i := 1; i < n && d < s.cfg.BackoffMax; i++ {
		d *= 2
	}
	return min(d, s.cfg.BackoffMax)
}
