package policies

import (
	"context"
	"fmt"
	"strings"

	"github.com/fiatjaf/khatru"
	"github.com/nbd-wtf/go-nostr"
	"github.com/nbd-wtf/go-nostr/nip19"
)

// Writers is the set of public keys allowed to publish to the node: the
// node's own key plus the operator's configured writers. The set is fixed at
// construction, so lookups need no lock.
type Writers struct {
	set map[string]struct{}
}

// ParsePubKey accepts a public key as 64 lowercase hex characters or as an
// npub and returns it in hex.
func ParsePubKey(s string) (string, error) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "npub1") {
		prefix, v, err := nip19.Decode(s)
		if err != nil || prefix != "npub" {
			return "", fmt.Errorf("not a valid npub")
		}
		pk, _ := v.(string)
		return pk, nil
	}
	if !nostr.IsValid32ByteHex(s) {
		return "", fmt.Errorf("want 64 lowercase hex characters or an npub")
	}
	return s, nil
}

// NewWriters builds the allowlist. Keys must already be hex (see ParsePubKey).
func NewWriters(pubkeys ...string) *Writers {
	w := &Writers{set: make(map[string]struct{}, len(pubkeys))}
	for _, pk := range pubkeys {
		w.set[pk] = struct{}{}
	}
	return w
}

// Allowed reports whether pubkey may publish.
func (w *Writers) Allowed(pubkey string) bool {
	if pubkey == "" {
		return false
	}
	_, ok := w.set[pubkey]
	return ok
}

// RejectEvent is a khatru RejectEvent hook. An event passes when it is
// signed by a writer, or when the connection has AUTHed as a writer: a known
// key may then relay events signed by others (an archive being fed by its
// operator).
func (w *Writers) RejectEvent(ctx context.Context, ev *nostr.Event) (bool, string) {
	if w.Allowed(ev.PubKey) || w.Allowed(khatru.GetAuthed(ctx)) {
		return false, ""
	}
	if khatru.GetAuthed(ctx) != "" {
		return true, "restricted: this archive only accepts events from its operator's keys; your authenticated key is not one of them"
	}
	return true, "restricted: this archive is read-only to the public; only its operator's keys may publish"
}
