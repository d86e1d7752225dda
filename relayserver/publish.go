package relayserver

import (
	"context"
	"errors"
	"fmt"

	"github.com/nbd-wtf/go-nostr"
)

// ErrNotSigned: Publish was given an event whose id does not match its
// content (unsigned or modified after signing).
var ErrNotSigned = errors.New("event id does not match its content; sign it first")

// Publish stores one of the node's own signed events and relays it to open
// subscriptions, as if it had arrived over WebSocket from a writer (same
// refusal rules, deletion and replaceable handling). Ephemeral events are
// only relayed. khatru's AddEvent does not verify, so the id is checked
// here; the signature is not re-verified because the node signed it itself.
// Delivery to subscribers happens in the writer relay's OnEventSaved and
// OnEphemeralEvent hooks, as for events arriving over WebSocket.
func (s *Server) Publish(ctx context.Context, ev *nostr.Event) error {
	if ev == nil || !ev.CheckID() {
		return ErrNotSigned
	}
	if _, err := s.writer.AddEvent(ctx, ev); err != nil {
		return fmt.Errorf("publish event %s: %w", ev.ID, err)
	}
	s.metrics.published.Inc()
	return nil
}
