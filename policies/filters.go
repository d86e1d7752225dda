package policies

import (
	"context"
	"fmt"

	"github.com/nbd-wtf/go-nostr"

	"github.com/bigbrotr/bigbrotr/schema"
)

// NoStoredEvents is the Limit that FilterLimits.Normalize gives a filter sent
// with "limit": 0: the query hook must answer a negative Limit with no
// stored events (live events still flow).
const NoStoredEvents = -1

// FilterLimits bounds what one filter may ask for.
type FilterLimits struct {
	MaxLimit     int // every filter's limit is clamped to this
	DefaultLimit int // applied when a filter has no limit
	MaxValues    int // max entries in ids, authors, kinds or one tag list
}

// Normalize applies the default limit, clamps the limit to the maximum and
// turns "limit": 0 into NoStoredEvents. Live events are matched against the
// client's original filter, so this only shapes the stored-events query.
func (l FilterLimits) Normalize(_ context.Context, f *nostr.Filter) {
	switch {
	case f.LimitZero:
		f.LimitZero = false
		f.Limit = NoStoredEvents
	case f.Limit <= 0:
		f.Limit = l.DefaultLimit
	case f.Limit > l.MaxLimit:
		f.Limit = l.MaxLimit
	}
}

// Reject is a khatru RejectFilter hook refusing filters the archive cannot
// answer exactly or cheaply: ids and authors that are not 64-char lowercase
// hex (prefix matching was removed from NIP-01), tag names longer than one
// letter (only single-letter tags are indexed), NIP-50 search, and lists
// longer than MaxValues.
func (l FilterLimits) Reject(_ context.Context, f nostr.Filter) (bool, string) {
	if msg := l.Check(f); msg != "" {
		return true, msg
	}
	return false, ""
}

// Check returns the refusal message for f, or "" when f is acceptable.
func (l FilterLimits) Check(f nostr.Filter) string {
	if f.Search != "" {
		return "unsupported: NIP-50 search is not supported by this relay"
	}
	if len(f.IDs) > l.MaxValues || len(f.Authors) > l.MaxValues || len(f.Kinds) > l.MaxValues {
		return fmt.Sprintf("blocked: too many values in one filter list (max %d)", l.MaxValues)
	}
	for _, id := range f.IDs {
		if !nostr.IsValid32ByteHex(id) {
			return "invalid: ids must be 64-character lowercase hex (prefixes are not supported)"
		}
	}
	for _, pk := range f.Authors {
		if !nostr.IsValid32ByteHex(pk) {
			return "invalid: authors must be 64-character lowercase hex (prefixes are not supported)"
		}
	}
	for name, values := range f.Tags {
		if !schema.IndexedTagName(name) {
			return fmt.Sprintf("unsupported: only single-letter tags are indexed, not %q", "#"+name)
		}
		if len(values) > l.MaxValues {
			return fmt.Sprintf("blocked: too many values in one filter list (max %d)", l.MaxValues)
		}
	}
	return ""
}
