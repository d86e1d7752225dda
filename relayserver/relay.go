package relayserver

import (
	"context"
	"errors"
	"log/slog"
	"strings"

	"github.com/fiatjaf/eventstore"
	"github.com/fiatjaf/khatru"
	"github.com/nbd-wtf/go-nostr"
	"github.com/nbd-wtf/go-nostr/nip11"

	"github.com/bigbrotr/bigbrotr/archive"
	"github.com/bigbrotr/bigbrotr/policies"
	"github.com/bigbrotr/bigbrotr/schema"
)

// supportedNIPs is exactly what this relay implements: NIP-09 and NIP-40
// through the archive's hiding rules, NIP-42 through khatru's AUTH, NIP-45
// through the session (session.go), NIP-70 through khatru's protected-event check,
// NIP-77 through the session's negentropy server (neg.go) over the archive.
var supportedNIPs = []int{1, 9, 11, 40, 42, 45, 70, 77}

// buildRelay assembles khatru. The WebSocket front is a khatru Router with
// two sub-relays: every REQ and COUNT goes to "reader", every EVENT to
// "writer". khatru keeps its listener list on the relay a REQ was routed to
// and reads the list of the relay an EVENT was routed to, without its lock;
// with this split the list it reads (writer's) is never written, which
// removes khatru v0.19.1's data race between CLOSE and EVENT handlers. Live
// events are delivered by s.broadcast from the node's own locked registry.
func (s *Server) buildRelay() {
	rc := s.cfg
	logger := slog.NewLogLogger(s.log.With("component", "khatru").Handler(), slog.LevelDebug)
	front := khatru.NewRouter()
	reader, writer := khatru.NewRelay(), khatru.NewRelay()
	for _, rl := range []*khatru.Relay{front.Relay, reader, writer} {
		rl.Log = logger
		rl.MaxMessageSize = int64(rc.MaxMessageLength)
		s.fillInfo(rl)
	}
	front.Route().Req(func(nostr.Filter) bool { return true }).Relay(reader)
	front.Route().Event(func(*nostr.Event) bool { return true }).Relay(writer)

	writers := append([]string{s.pubKey}, rc.Writers...)
	s.writers = policies.NewWriters(writers...)
	s.conns = newConnTracker(s, policies.NewConnLimiter(rc.MaxConnectionsPerIP), rc.IdleTimeout)
	s.subs = newSubscriptions(rc.MaxSubscriptions, rc.MaxFilters, s.conns.subscriptionsChanged)
	s.conns.queryRate = policies.NewRateLimiter(rc.QueryRatePerIP, rc.QueryBurstPerIP, nil)
	s.out = &outBudget{max: int64(rc.MaxQueuedBytesTotal)}
	s.ipq = &ipQueries{max: rc.MaxQueriesPerIP, run: make(map[string]int)}
	caps := policies.EventCaps{MaxTags: rc.MaxEventTags, MaxContentLength: rc.MaxContentLength}

	// Connection-level hooks run on the front relay.
	front.OnConnect = append(front.OnConnect, s.conns.onConnect)
	front.OnDisconnect = append(front.OnDisconnect, s.subs.OnDisconnect, s.conns.onDisconnect)

	// Writes: the first refusal wins, cheapest checks first; the archive
	// lookups (deleted?) run only for events a writer sent.
	rejectors := []func(context.Context, *nostr.Event) (bool, string){
		s.rejectWriter,
		policies.RejectMalformed,
		caps.Reject,
		policies.RejectExpired(s.now),
		s.rejectDeleted,
	}
	writer.RejectEvent = append(writer.RejectEvent, func(ctx context.Context, ev *nostr.Event) (bool, string) {
		s.conns.touch(ctx)
		for _, reject := range rejectors {
			if no, msg := reject(ctx, ev); no {
				s.metrics.eventRejected(msg)
				return true, msg
			}
		}
		return false, ""
	})
	writer.StoreEvent = append(writer.StoreEvent, s.saveEvent)
	writer.ReplaceEvent = append(writer.ReplaceEvent, s.saveEvent)
	writer.OnEventSaved = append(writer.OnEventSaved, func(_ context.Context, ev *nostr.Event) {
		s.metrics.eventsStored.Inc()
		s.broadcast(ev)
		if s.saved != nil {
			s.saved(ev)
		}
	})
	writer.OnEphemeralEvent = append(writer.OnEphemeralEvent, func(_ context.Context, ev *nostr.Event) { s.broadcast(ev) })
	// khatru answers an ephemeral EVENT "mute: no one was listening" when
	// its own (always empty) list was notified and the front relay has no
	// ephemeral hook; delivery is ours, so give it one.
	front.OnEphemeralEvent = append(front.OnEphemeralEvent, func(context.Context, *nostr.Event) {})

	// Reads: REQ, COUNT and CLOSE never reach khatru (frameTap hands them
	// to the connection's session). The reader relay is only a guard for
	// a message that somehow slipped past the tap: refused, never served
	// through khatru's path that ends a cut query with EOSE.
	reader.RejectFilter = append(reader.RejectFilter, func(context.Context, nostr.Filter) (bool, string) {
		return true, "error: this request could not be read; send it again"
	})
	writer.QueryEvents = append(writer.QueryEvents, internalQuery)

	s.relay, s.writer = front.Relay, writer
}

// broadcast queues ev for every open subscription it matches.
func (s *Server) broadcast(ev *nostr.Event) int {
	targets := s.subs.Listening(ev)
	for _, l := range targets {
		if sess := sessionOf(l.ws); sess != nil {
			sess.sendLive(l.req, ev)
		}
	}
	return len(targets)
}

// saveEvent is khatru's StoreEvent and ReplaceEvent hook. The archive keeps
// replaceable history itself, so both are a plain save with no provenance.
// It goes through the group-commit writer and returns once the group
// holding the event committed, so khatru sends OK true only for a
// committed event.
func (s *Server) saveEvent(ctx context.Context, ev *nostr.Event) error {
	inserted, err := s.group.Save(ctx, schema.Sighting{Event: ev, SeenAt: s.now()})
	switch {
	case errors.Is(err, archive.ErrRejected):
		s.metrics.eventRejected("invalid")
		return errStorageRule
	case errors.Is(err, archive.ErrWriterClosed):
		return errEventShutdown
	case err != nil:
		if ctx.Err() == nil {
			s.log.Warn("save event", "id", ev.ID, "err", err)
		}
		return errInternal
	case !inserted:
		return eventstore.ErrDupEvent
	}
	return nil
}

type okError string

func (e okError) Error() string { return string(e) }

const (
	errInternal      = okError("error: could not store the event, try again later")
	errEventShutdown = okError("error: the relay is shutting down, try again later")
	// The archive keeps tag values of any length and NUL anywhere; what it
	// refuses could not be served back byte-exact (invalid UTF-8) or is
	// malformed beyond what khatru checks (a kind outside int32).
	errStorageRule = okError("invalid: the event is not valid UTF-8 or its kind is out of range")
)

// rejectDeleted refuses events their author already deleted (NIP-09): by id,
// and for replaceable/addressable kinds by address up to the deletion time.
// khatru's own checks query with "#e"/"#a" keys that match nothing, so the
// check lives here.
func (s *Server) rejectDeleted(ctx context.Context, ev *nostr.Event) (bool, string) {
	if deleted, err := s.store.IsDeleted(ctx, ev.ID); err == nil && deleted {
		return true, "blocked: this event was deleted by its author"
	}
	if !nostr.IsReplaceableKind(ev.Kind) && !nostr.IsAddressableKind(ev.Kind) {
		return false, ""
	}
	addr := strings.Join([]string{itoa(ev.Kind), ev.PubKey, ev.Tags.GetD()}, ":")
	since := ev.CreatedAt
	found := false
	err := s.store.QueryEvents(ctx, nostr.Filter{
		Kinds: []int{5}, Authors: []string{ev.PubKey}, Since: &since, Limit: 1,
		Tags: nostr.TagMap{"a": []string{addr}},
	}, func(*nostr.Event) error { found = true; return errStop })
	if err == nil && found {
		return true, "blocked: this address was deleted by its author up to a later time"
	}
	return false, ""
}

// fillInfo sets khatru's copy of the NIP-11 document; the node serves its
// own rendering (see nip11.go), but khatru's must not be left with an empty
// pubkey either.
func (s *Server) fillInfo(rl *khatru.Relay) {
	doc := s.infoDocument()
	rl.Info.Name = doc.Name
	rl.Info.Description = doc.Description
	rl.Info.PubKey = doc.PubKey
	rl.Info.Contact = doc.Contact
	rl.Info.Icon = doc.Icon
	rl.Info.Software = doc.Software
	rl.Info.Version = doc.Version
	rl.Info.SupportedNIPs = nil
	rl.Info.AddSupportedNIPs(supportedNIPs)
	l := doc.Limitation
	rl.Info.Limitation = &nip11.RelayLimitationDocument{
		MaxMessageLength: l.MaxMessageLength, MaxSubscriptions: l.MaxSubscriptions,
		MaxLimit: l.MaxLimit, DefaultLimit: l.DefaultLimit, MaxSubidLength: l.MaxSubidLength,
		MaxEventTags: l.MaxEventTags, MaxContentLength: l.MaxContentLength,
		RestrictedWrites: l.RestrictedWrites,
	}
}
