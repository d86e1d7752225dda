package synchronizer

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nbd-wtf/go-nostr"

	"github.com/bigbrotr/bigbrotr/internal/loop"
	"github.com/bigbrotr/bigbrotr/relayclient"
	"github.com/bigbrotr/bigbrotr/schema"
	"github.com/bigbrotr/bigbrotr/transport"
)

// relayRun is one relay's sync within a cycle.
type relayRun struct {
	s        *Syncer
	relay    schema.Relay
	filters  []nostr.Filter
	limit    int
	limits   relayclient.Limits
	neg      string // override: "on", "off" or "" (detect)
	cur      cursor
	conn     *relayclient.Conn
	stats    relayStats
	progress bool // a request completed since the last failure
	// started and reported time the progress lines of a long sync.
	started, reported time.Time
	budget            runBudget
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
	return r.s.writer.submit(ctx, writeItem{state: c.state(r.relay.URL.String())})
}

func (s *Syncer) newRun(ctx context.Context, rel schema.Relay) *relayRun {
	r := &relayRun{s: s, relay: rel, filters: s.filters, limit: s.cfg.Limit, limits: s.cfg.Client,
		stats: relayStats{rejects: map[string]int{}}}
	r.started = s.Now()
	r.reported = r.started
	if o, ok := s.overrides[rel.URL.String()]; ok {
		if len(o.Filters) > 0 {
			r.filters = nostrFilters(o.Filters)
		}
		if o.Limit > 0 {
			r.limit = o.Limit
		}
		if o.IdleTimeout > 0 {
			r.limits.FirstAnswer, r.limits.Idle = o.IdleTimeout, o.IdleTimeout
		}
		if o.MaxLimit > 0 {
			r.limit = min(r.limit, o.MaxLimit)
		}
		r.neg = o.Negentropy
	}
	if s.maxLimit != nil {
		if ml := s.maxLimit(ctx, rel.URL.String()); ml > 0 {
			r.limit = min(r.limit, ml)
		}
	}
	return r
}

// syncRelay brings one relay's cursor to now-end_lag. It redials after a
// lost connection, as long as each attempt makes progress or retries are
// left; a relay that refuses (auth, CLOSED) is left for the next cycle.
func (s *Syncer) syncRelay(ctx context.Context, rel schema.Relay) (*relayRun, error) {
	r := s.newRun(ctx, rel)
	var err error
	if r.cur, err = s.readCursor(ctx, rel.URL.String(), r.filters); err != nil {
		return r, err
	}
	now := s.Now()
	r.cur.rollDay(now)
	left := s.cfg.RelayDailyEvents - r.cur.DayEvents
	if left <= 0 {
		return r, fmt.Errorf("sync %s: %w", rel.URL, errThrottled)
	}
	r.budget = newRunBudget(r.limits, left)
	end := now.Add(-s.cfg.EndLag).Unix()
	if !r.cur.walking() {
		if r.cur.Next > end {
			return r, nil
		}
		r.cur.Top, r.cur.Mark, r.cur.Filter = end, end, 0
	}
	defer r.hangUp()
	failures := 0
	for {
		r.progress = false
		err := r.connectAndWalk(ctx)
		if err == nil {
			break
		}
		r.hangUp()
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
		if exhausted(err) {
			// The streak is stored with the cursor, where its last
			// committed page left it, for the status page and the API.
			r.cur.endRun(err)
			if cerr := r.commit(ctx); cerr != nil {
				return r, cerr
			}
			return r, err
		}
		if final(err) || failures > s.cfg.Retries {
			return r, err
		}
		s.Logger().Debug("relay retry", "relay", rel.URL, "attempt", failures, "err", err)
		if !loop.Sleep(ctx, s.backoff(failures)) {
			return r, ctx.Err()
		}
	}
	r.cur.Next = r.cur.Top + 1
	r.cur.Top, r.cur.Mark, r.cur.Filter = 0, 0, 0
	r.cur.endRun(nil)
	return r, r.commit(ctx)
}

// hangUp closes the connection and charges what it took to the run.
func (r *relayRun) hangUp() {
	if r.conn != nil {
		_ = r.conn.Close()
		r.budget.spend(r.conn)
		r.conn = nil
	}
}

func (r *relayRun) connectAndWalk(ctx context.Context) error {
	if r.conn == nil {
		l, err := r.budget.limits(r.limits)
		if err != nil {
			return fmt.Errorf("sync %s: run budget spent: %w", r.relay.URL, err)
		}
		o := relayclient.Options{Limits: l, SubPrefix: "sync", Now: r.s.Now}
		if r.s.signer != nil {
			o.Signer = relayclient.SignFunc(r.s.signer)
		}
		c, err := relayclient.Dial(ctx, r.s.tr, r.relay.URL.String(), o)
		if err != nil {
			return fmt.Errorf("sync %s: %w", r.relay.URL, err)
		}
		r.conn = c
	}
	if err := r.walk(ctx); err != nil {
		return fmt.Errorf("sync %s: %w", r.relay.URL, err)
	}
	return nil
}

// final reports whether a relay's failure ends its run at once: it refused
// us (CLOSED, AUTH), or it used up its run's budget, which a redial must
// not renew.
func final(err error) bool {
	return errors.Is(err, relayclient.ErrClosed) || errors.Is(err, relayclient.ErrAuth) ||
		errors.Is(err, relayclient.ErrBudget)
}

// failureReason is the bounded label of a relay's failure.
func failureReason(err error) string {
	switch {
	case errors.Is(err, relayclient.ErrAuth):
		return "auth_failed"
	case relayclient.AuthRequired(err):
		return "auth_refused"
	case errors.Is(err, relayclient.ErrClosed):
		return "closed"
	case errors.Is(err, transport.ErrMessageTooBig):
		// An event larger than the transport's message limit: the relay
		// cannot be read past it by REQ.
		return "message_too_big"
	case errors.Is(err, relayclient.ErrIdle), errors.Is(err, relayclient.ErrNoAnswer):
		return "idle"
	case errors.Is(err, relayclient.ErrBudget):
		return "budget"
	}
	return "unreachable"
}

// readCursor loads a relay's cursor, retrying with backoff while the store
// fails, as the writer retries its batches: a store outage between the
// lease and the cursor read is the store's failure, not the relay's, and
// must not cost the relay its run.
func (s *Syncer) readCursor(ctx context.Context, url string, fs []nostr.Filter) (cursor, error) {
	for attempt := 1; ; attempt++ {
		c, err := s.loadCursor(ctx, url, fs)
		if err == nil {
			if attempt > 1 {
				s.Logger().Info("store read recovered", "op", "cursors", "failed_attempts", attempt-1)
			}
			return c, nil
		}
		if ctx.Err() != nil {
			return cursor{}, err
		}
		s.metrics.storeRetries.WithLabelValues("cursors").Inc()
		s.Logger().Warn("store read failed, retried", "op", "cursors", "relay", url, "attempt", attempt,
			"retry_in", s.backoff(attempt), "err", err)
		if !loop.Sleep(ctx, s.backoff(attempt)) {
			return cursor{}, err
		}
	}
}

// backoff is base·2^(n-1), capped at max.
func (s *Syncer) backoff(n int) time.Duration {
	return loop.Backoff(max(n, 1), s.cfg.BackoffBase, s.cfg.BackoffMax)
}
