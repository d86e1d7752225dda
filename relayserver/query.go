package relayserver

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/nbd-wtf/go-nostr"

	"github.com/bigbrotr/bigbrotr/archive"
)

// errStop ends a store iteration early without being an error.
var errStop = errors.New("stop")

// reasonSilent is the cut reason of a query nobody is waiting for any more
// (the client closed or replaced the subscription, or left).
const reasonSilent = "-"

// closedChan is what a query with nothing to yield returns. khatru reads
// `<-ch` unconditionally in places, so a nil channel would block forever.
func closedChan() chan *nostr.Event {
	ch := make(chan *nostr.Event)
	close(ch)
	return ch
}

// internalQuery is khatru's QueryEvents hook on the writer relay, where
// only khatru's own lookups arrive (client REQs are the session's): the
// deletion targets and expired events it would have its DeleteEvent hooks
// destroy. The archive instead hides them itself when the kind 5 is saved
// and never serves expired events, so there is nothing to find; answering
// here also stops a public kind 5 with thousands of tags from costing
// thousands of queries before it is refused.
func internalQuery(context.Context, nostr.Filter) (chan *nostr.Event, error) {
	return closedChan(), nil
}

func (s *Server) filterCheck(f nostr.Filter) string { return s.cfg.filterLimits().Check(f) }

// streamQuery runs one normalized filter against the archive within
// relay.query_timeout, passing each event to emit. It returns "" when the
// answer is complete, reasonSilent when nobody waits for it, or the
// CLOSED reason saying why it was cut. Only events stored whole are
// served: in lil mode an archived event without its sig, tags and content
// would fail every client's id and signature check, so REQ skips it
// while COUNT (and the status page) still count it. REQ and COUNT may be
// answered by a read replica (database.read_urls): an answer a replica's
// lag behind is a valid answer, unlike the deletion check before a save.
func (s *Server) streamQuery(ctx context.Context, f nostr.Filter, emit func(*nostr.Event) error) string {
	s.metrics.queries.Inc()
	qctx, cancel := context.WithTimeout(ctx, s.cfg.QueryTimeout)
	defer cancel()
	err := s.store.QueryServable(archive.AllowReplica(qctx), f, emit)
	return s.cutReason(ctx, err, "query", f)
}

// count counts one filter within relay.query_timeout: the count, or the
// reason it has none (as streamQuery's).
func (s *Server) count(ctx context.Context, f nostr.Filter) (int64, string) {
	s.metrics.counts.Inc()
	cctx, cancel := context.WithTimeout(ctx, s.cfg.QueryTimeout)
	defer cancel()
	c, err := s.store.CountEvents(archive.AllowReplica(cctx), f)
	if reason := s.cutReason(ctx, err, "count", f); reason != "" {
		return 0, reason
	}
	return c, ""
}

// cutReason turns how a query ended into what the client is told. ctx is
// the query's parent: its cause says whether the client, the connection
// or the relay stopped it.
func (s *Server) cutReason(ctx context.Context, err error, what string, f nostr.Filter) string {
	switch {
	case err == nil:
		return ""
	case ctx.Err() != nil:
		if errors.Is(context.Cause(ctx), errShuttingDown) {
			s.metrics.queryErrors.WithLabelValues("shutdown").Inc()
			return "error: relay shutting down; this answer is incomplete"
		}
		return reasonSilent
	case errors.Is(err, errOutputFull):
		s.metrics.queryErrors.WithLabelValues("output").Inc()
		return outputFullReason(s.cfg.MaxQueuedBytes)
	case errors.Is(err, context.DeadlineExceeded):
		s.metrics.queryErrors.WithLabelValues("timeout").Inc()
		s.log.Debug(what+" timed out", "filter", f.String())
		return fmt.Sprintf("error: %s took longer than %s and was cut; narrow the filter (e.g. a smaller limit or a since/until window)",
			what, s.cfg.QueryTimeout)
	default:
		s.metrics.queryErrors.WithLabelValues("error").Inc()
		s.log.Warn(what+" failed", "filter", f.String(), "err", err)
		return "error: the archive could not answer this " + what + "; try again later"
	}
}

func itoa(i int) string { return strconv.Itoa(i) }
