package policies

import (
	"context"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/nbd-wtf/go-nostr"
	"github.com/nbd-wtf/go-nostr/nip40"
)

// EventCaps bounds the size of one event beyond the message-size cap that
// the WebSocket reader enforces.
type EventCaps struct {
	MaxTags          int // entries in tags
	MaxContentLength int // unicode characters in content
}

// Reject is a khatru RejectEvent hook.
func (c EventCaps) Reject(_ context.Context, ev *nostr.Event) (bool, string) {
	if c.MaxTags > 0 && len(ev.Tags) > c.MaxTags {
		return true, fmt.Sprintf("invalid: too many tags (%d, max %d)", len(ev.Tags), c.MaxTags)
	}
	if c.MaxContentLength > 0 && len(ev.Content) > c.MaxContentLength &&
		utf8.RuneCountInString(ev.Content) > c.MaxContentLength {
		return true, fmt.Sprintf("invalid: content longer than %d characters", c.MaxContentLength)
	}
	return false, ""
}

// RejectMalformed is a khatru RejectEvent hook refusing events whose shape
// would crash or confuse later stages: khatru v0.19.1 reads tag[1] of the
// first "d" tag of every non-regular event without checking its length.
func RejectMalformed(_ context.Context, ev *nostr.Event) (bool, string) {
	for _, tag := range ev.Tags {
		if len(tag) == 0 {
			continue
		}
		if tag[0] == "d" && len(tag) < 2 {
			return true, "invalid: a \"d\" tag must have a value"
		}
	}
	return false, ""
}

// RejectExpired returns a khatru RejectEvent hook refusing events whose
// NIP-40 expiration is already in the past. now is injectable for tests.
func RejectExpired(now func() time.Time) func(context.Context, *nostr.Event) (bool, string) {
	if now == nil {
		now = time.Now
	}
	return func(_ context.Context, ev *nostr.Event) (bool, string) {
		exp := nip40.GetExpiration(ev.Tags)
		if exp != -1 && int64(exp) <= now().Unix() {
			return true, "invalid: this event has already expired (NIP-40)"
		}
		return false, ""
	}
}
