package node

import (
	"context"
	"errors"
	"strconv"

	"github.com/fiatjaf/khatru"
	"github.com/nbd-wtf/go-nostr"
	"github.com/nbd-wtf/go-nostr/nip45/hyperloglog"

	"github.com/bigbrotr/bigbrotr/policies"
)

// errStop ends a store iteration early without being an error.
var errStop = errors.New("stop")

// closedChan is what a query with nothing to yield returns. khatru reads
// `<-ch` unconditionally in places, so a nil channel would block forever.
func closedChan() chan *nostr.Event {
	ch := make(chan *nostr.Event)
	close(ch)
	return ch
}

// queryEvents is khatru's QueryEvents hook: it streams Store.QueryEvents into
// the channel khatru drains, stopping when the subscription is closed, the
// connection drops or relay.query_timeout passes.
func (n *Node) queryEvents(ctx context.Context, f nostr.Filter) (chan *nostr.Event, error) {
	// khatru's internal calls look up deletion targets and expired events
	// so that its DeleteEvent hooks can destroy them. The archive instead
	// hides them itself when the kind 5 is saved and never serves expired
	// events, so there is nothing to find; answering here also stops a
	// public kind 5 with thousands of tags from costing thousands of queries
	// before it is refused.
	if khatru.IsInternalCall(ctx) || f.Limit < 0 {
		return closedChan(), nil
	}
	if n.filterCheck(f) != "" {
		// Only reachable by khatru's own lookups (client filters were
		// checked by RejectFilter): its "#e"/"#a" keys match nothing.
		return closedChan(), nil
	}
	switch {
	case f.Limit == 0:
		f.Limit = n.cfg.Relay.DefaultLimit
	case f.Limit > n.cfg.Relay.MaxLimit:
		f.Limit = n.cfg.Relay.MaxLimit
	}
	n.metrics.queries.Inc()
	ch := make(chan *nostr.Event)
	go func() {
		defer close(ch)
		qctx, cancel := context.WithTimeout(ctx, n.cfg.Relay.QueryTimeout)
		defer cancel()
		err := n.store.QueryEvents(qctx, f, func(ev *nostr.Event) error {
			select {
			case ch <- ev:
				return nil
			case <-qctx.Done():
				return qctx.Err()
			}
		})
		switch {
		case err == nil || errors.Is(err, context.Canceled):
		case errors.Is(err, context.DeadlineExceeded):
			n.metrics.queryErrors.WithLabelValues("timeout").Inc()
			n.log.Debug("query timed out", "filter", f.String())
		default:
			n.metrics.queryErrors.WithLabelValues("error").Inc()
			n.log.Warn("query failed", "filter", f.String(), "err", err)
		}
	}()
	return ch, nil
}

func (n *Node) filterCheck(f nostr.Filter) string {
	l := policies.FilterLimits{MaxLimit: n.cfg.Relay.MaxLimit, DefaultLimit: n.cfg.Relay.DefaultLimit, MaxValues: n.cfg.Relay.MaxFilterValues}
	return l.Check(f)
}

// countEvents is khatru's CountEvents hook. khatru v0.19.1 cannot answer a
// COUNT with CLOSED (its hooks never see the query id), so no COUNT filter
// is refused: a filter that can match nothing exactly (an id prefix, a
// multi-letter tag) truthfully counts 0.
func (n *Node) countEvents(ctx context.Context, f nostr.Filter) (int64, error) {
	n.conns.touch(ctx)
	n.metrics.counts.Inc()
	if n.filterCheck(f) != "" {
		return 0, nil
	}
	cctx, cancel := context.WithTimeout(ctx, n.cfg.Relay.QueryTimeout)
	defer cancel()
	c, err := n.store.CountEvents(cctx, f)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			n.metrics.queryErrors.WithLabelValues("timeout").Inc()
			return 0, errors.New("error: count took too long; narrow the filter")
		}
		n.metrics.queryErrors.WithLabelValues("error").Inc()
		n.log.Warn("count failed", "filter", f.String(), "err", err)
		return 0, errors.New("error: count failed")
	}
	return c, nil
}

// countEventsHLL serves the filters khatru routes to the HyperLogLog path
// (NIP-45 "hll"); the exact count is given and no registers are attached.
func (n *Node) countEventsHLL(ctx context.Context, f nostr.Filter, _ int) (int64, *hyperloglog.HyperLogLog, error) {
	c, err := n.countEvents(ctx, f)
	return c, nil, err
}

func itoa(i int) string { return strconv.Itoa(i) }
