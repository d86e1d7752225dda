package discovery

import (
	"context"
	"errors"

	"github.com/nbd-wtf/go-nostr"

	"github.com/bigbrotr/bigbrotr/relayclient"
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

// speaksNostr dials url and sends one REQ. The endpoint is a relay only if
// it answers, within the client's first_answer, with a relay-to-client
// message: EOSE, EVENT or CLOSED for the subscription, a NOTICE, an AUTH
// challenge or an OK. CLOSED with "auth-required:" counts (the relay speaks
// Nostr, it only wants NIP-42), and so does an AUTH challenge sent before
// anything else. A WebSocket that echoes, sends junk or stays silent is not
// a relay. It returns "" for a relay, else one of the Reason* labels.
func speaksNostr(ctx context.Context, tr *transport.Transport, url string, lim relayclient.Limits) string {
	c, err := relayclient.Dial(ctx, tr, url, relayclient.Options{Limits: lim, SubPrefix: "bigbrotr-validate"})
	if err != nil {
		if transport.IsRefused(err) {
			return ReasonRefused
		}
		return ReasonUnreachable
	}
	defer c.Close()
	sub := c.NewSubID("")
	if err := c.Send(ctx, nostr.ReqEnvelope{SubscriptionID: sub, Filters: nostr.Filters{{Limit: 1}}}); err != nil {
		return ReasonSilent
	}
	ctx, cancel := context.WithTimeout(ctx, lim.FirstAnswer)
	defer cancel()
	answered := false
	for {
		m, err := c.Recv(ctx)
		switch {
		case errors.Is(err, relayclient.ErrNotRelayMessage):
			if m.Label == "REQ" {
				return ReasonNotNostr // our own REQ came back: an echo
			}
			answered = true
			continue
		case err != nil && answered:
			return ReasonNotNostr
		case err != nil:
			return ReasonSilent
		case relayFrame(m, sub):
			return ""
		}
		answered = true
	}
}

// relayFrame reports whether m is something only a relay sends.
func relayFrame(m relayclient.Message, sub string) bool {
	switch m.Label {
	case "EOSE", "EVENT", "CLOSED":
		return m.SubID == sub
	case "NOTICE", "OK", "AUTH":
		return true
	}
	return false
}
