package relayserver

import (
	"context"

	"github.com/nbd-wtf/go-nostr"
)

// rejectWriter is the writers allowlist, with the events Options.Admit
// lets through besides.
func (s *Server) rejectWriter(ctx context.Context, ev *nostr.Event) (bool, string) {
	if s.admit != nil && s.admit(ctx, ev) {
		return false, ""
	}
	return s.writers.RejectEvent(ctx, ev)
}
