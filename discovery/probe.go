package discovery

import (
	"context"
	"errors"

	"github.com/nbd-wtf/go-nostr"

	"github.com/bigbrotr/bigbrotr/transport"
)

// Validation failure reasons: the "reason" label of the validator's rejects.
const (
	ReasonRefused     = "refused"     // this node's transport guard refused the dial (private address, disabled network)
	ReasonUnreachable = "unreachable" // no WebSocket: DNS, TCP, TLS or upgrade failed
	ReasonSilent      = "silent"      // a WebSocket that sent nothing before the timeout or closed
	ReasonNotNostr    = "not_nostr"   // a WebSocket that answered, but not as a relay (echo, junk)
)

// ValidationReasons lists every validator reject reason.
func ValidationReasons() []string {
	return []string{ReasonRefused, ReasonUnreachable, ReasonSilent, ReasonNotNostr}
}

// subID is the validator's subscription id; an echo server sends it back
// inside our own REQ, which is how an echo is told from a relay at once.
const subID = "bigbrotr-validate"

// speaksNostr dials url and sends one REQ. The endpoint is a relay only if
// it answers with a relay-to-client message: EOSE, EVENT or CLOSED for the
// subscription, a NOTICE, an AUTH challenge or an OK. CLOSED with
// "auth-required:" counts (the relay speaks Nostr, it only wants NIP-42),
// and so does an AUTH challenge sent before anything else. A WebSocket that
// echoes, sends junk or stays silent until ctx ends is not a relay. It
// returns "" for a relay, else one of the Reason* labels.
func speaksNostr(ctx context.Context, tr *transport.Transport, url string) string {
	conn, err := tr.Dial(ctx, url)
	if err != nil {
		if transport.IsRefused(err) {
			return ReasonRefused
		}
		return ReasonUnreachable
	}
	defer conn.Close()
	limit := 1
	req := nostr.ReqEnvelope{SubscriptionID: subID, Filters: nostr.Filters{{Limit: limit}}}
	if err := conn.WriteJSON(ctx, req); err != nil {
		return ReasonSilent
	}
	answered := false
	for {
		env, err := conn.ReadEnvelope(ctx)
		if errors.Is(err, transport.ErrBadMessage) {
			answered = true
			continue
		}
		if err != nil {
			if answered {
				return ReasonNotNostr
			}
			return ReasonSilent
		}
		if relayFrame(env) {
			return ""
		}
		if r, ok := env.(*nostr.ReqEnvelope); ok && r.SubscriptionID == subID {
			return ReasonNotNostr // our own REQ came back: an echo
		}
		answered = true
	}
}

// relayFrame reports whether env is something only a relay sends.
func relayFrame(env nostr.Envelope) bool {
	switch e := env.(type) {
	case *nostr.EOSEEnvelope:
		return string(*e) == subID
	case *nostr.EventEnvelope:
		return e.SubscriptionID != nil && *e.SubscriptionID == subID
	case *nostr.ClosedEnvelope:
		return e.SubscriptionID == subID
	case *nostr.NoticeEnvelope, *nostr.OKEnvelope:
		return true
	case *nostr.AuthEnvelope:
		return e.Challenge != nil
	}
	return false
}
