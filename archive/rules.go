package archive

import (
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/nbd-wtf/go-nostr"
)

// eventRow is one event after the storage rules, as both backends write
// it: decoded bytes plus every column derived from the tags at save time,
// so lil mode (which drops tags, content and sig) still answers tag
// queries, replacements, deletions and expiry.
type eventRow struct {
	id, pubkey, sig []byte // sig nil in lil mode
	createdAt       int64
	kind            int32
	tagsJSON        *string // nil in lil mode
	content         []byte  // nil in lil mode, never nil in full mode
	dTag            *string // replacement address, nil when not replaceable
	expiresAt       *int64
	tags            []indexedTag // deduplicated
	// Only for kind 5: the NIP-09 targets this request names.
	delIDs   [][]byte
	delAddrs []deletionAddr
}

// indexedTag is one row of the tag index: a one-letter name and the tag's
// first value.
type indexedTag struct{ name, value string }

// deletionAddr is an address of the author of a deletion request.
type deletionAddr struct {
	kind int32
	d    string
}

// decodeHex decodes exactly n bytes of lower-case hex. Upper case is
// refused so that a stored id always equals the string it was filtered by
// (NIP-01 compares strings).
func decodeHex(s string, n int) ([]byte, bool) {
	if len(s) != 2*n {
		return nil, false
	}
	return appendHex(make([]byte, 0, n), s)
}

// appendHex appends the bytes of s, lower-case hex of even length, to b.
// It checks and decodes in one pass: it runs for every id, pubkey, sig
// and tag value saved, and was a tenth of the save path's CPU as a check
// loop followed by hex.DecodeString.
func appendHex(b []byte, s string) ([]byte, bool) {
	if len(s)%2 != 0 {
		return nil, false
	}
	for i := 0; i < len(s); i += 2 {
		hi, lo := hexNibble[s[i]], hexNibble[s[i+1]]
		if hi|lo == 0xff {
			return nil, false
		}
		b = append(b, hi<<4|lo)
	}
	return b, true
}

// hexNibble maps '0'-'9' and 'a'-'f' to their value, every other byte
// to 0xff (so one OR tests both digits of a pair: valid values are < 16).
var hexNibble = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = byte(c - '0')
	}
	for c := 'a'; c <= 'f'; c++ {
		t[c] = byte(c - 'a' + 10)
	}
	return t
}()

// decodeID decodes a 64-hex id or pubkey.
func decodeID(s string) ([]byte, bool) { return decodeHex(s, 32) }

// indexedTagName reports whether a tag name is indexed: one ASCII letter,
// the only names NIP-01 filters can query.
func indexedTagName(name string) bool {
	return len(name) == 1 && (name[0] >= 'a' && name[0] <= 'z' || name[0] >= 'A' && name[0] <= 'Z')
}

// validTagElement: tag elements are stored as JSON text (PostgreSQL's JSON
// functions refuse \u0000) and feed the tag index (whose PostgreSQL keys
// use NUL as a separator, see pgTagKey), so NUL, invalid UTF-8 and values
// over MaxTagValue are refused. Filters apply the same test to their
// values: a value that can never be stored matches nothing.
func validTagElement(s string) bool {
	return len(s) <= MaxTagValue && strings.IndexByte(s, 0) < 0 && utf8.ValidString(s)
}

// newEventRow applies the storage rules and derives the stored columns.
// ok is false when the event must be Rejected: nil, malformed id, pubkey
// or sig, a kind outside int32, content that is not valid UTF-8, or a tag
// element refused by validTagElement. Content may hold any valid UTF-8,
// NUL included: it is stored as bytes. Invalid UTF-8 could be stored too,
// but not served: JSON encoders (go-nostr's included) write it as U+FFFD,
// so the served event would no longer match its id.
func newEventRow(ev *nostr.Event, mode Mode) (r eventRow, ok bool) {
	if ev == nil || ev.Kind < math.MinInt32 || ev.Kind > math.MaxInt32 {
		return r, false
	}
	if r.id, ok = decodeID(ev.ID); !ok {
		return r, false
	}
	if r.pubkey, ok = decodeID(ev.PubKey); !ok {
		return r, false
	}
	sig, ok := decodeHex(ev.Sig, 64)
	if !ok || !utf8.ValidString(ev.Content) {
		return r, false
	}
	for _, tag := range ev.Tags {
		for _, v := range tag {
			if !validTagElement(v) {
				return r, false
			}
		}
	}
	r.createdAt, r.kind = int64(ev.CreatedAt), int32(ev.Kind)
	if mode == Full {
		tags := string(appendTagsJSON(nil, ev.Tags))
		r.sig, r.tagsJSON = sig, &tags
		r.content = append(make([]byte, 0, len(ev.Content)), ev.Content...)
	}

	var expiry, d *string
	for i, tag := range ev.Tags {
		if len(tag) < 2 {
			continue // [] and ["e"] carry no value to index
		}
		switch {
		case tag[0] == "expiration" && expiry == nil:
			expiry = &ev.Tags[i][1]
		case tag[0] == "d" && d == nil:
			d = &ev.Tags[i][1]
		}
		if !indexedTagName(tag[0]) {
			continue
		}
		r.tags = append(r.tags, indexedTag{tag[0], tag[1]})
		if ev.Kind == 5 {
			r.addDeletionTarget(ev.PubKey, tag)
		}
	}
	r.tags = dedupTags(r.tags)
	r.expiresAt = parseExpiration(expiry)
	r.dTag = replacementD(ev.Kind, d)
	return r, true
}

// parseExpiration reads a NIP-40 expiration value. A malformed one is
// ignored: the event never expires.
func parseExpiration(v *string) *int64 {
	if v == nil {
		return nil
	}
	at, err := strconv.ParseInt(*v, 10, 64)
	if err != nil {
		return nil
	}
	return &at
}

// replacementD is the d part of a replacement address: "" for replaceable
// kinds, the first d tag value (or "") for addressable ones, nil for every
// other kind.
func replacementD(kind int, d *string) *string {
	empty := ""
	switch {
	case nostr.IsReplaceableKind(kind):
		return &empty
	case nostr.IsAddressableKind(kind) && d == nil:
		return &empty
	case nostr.IsAddressableKind(kind):
		return d
	}
	return nil
}

// dedupTags drops repeated (name, value) pairs, keeping the first: one
// index row per pair is enough to find the event.
func dedupTags(tags []indexedTag) []indexedTag {
	if len(tags) <= 16 {
		out := tags[:0]
	next:
		for _, t := range tags {
			for _, x := range out {
				if x == t {
					continue next
				}
			}
			out = append(out, t)
		}
		return out
	}
	seen := make(map[indexedTag]struct{}, len(tags))
	out := tags[:0]
	for _, t := range tags {
		if _, dup := seen[t]; !dup {
			seen[t] = struct{}{}
			out = append(out, t)
		}
	}
	return out
}

// addDeletionTarget records what one tag of a kind 5 asks to delete. Only
// the author's own events can be deleted: an `a` tag naming another pubkey
// is dropped here, and `e` targets are matched on (id, author) when applied.
func (r *eventRow) addDeletionTarget(author string, tag nostr.Tag) {
	switch tag[0] {
	case "e":
		if id, ok := decodeID(tag[1]); ok {
			r.delIDs = append(r.delIDs, id)
		}
	case "a":
		if a, ok := parseDeletionAddr(author, tag[1]); ok {
			r.delAddrs = append(r.delAddrs, a)
		}
	}
}

// parseDeletionAddr reads "kind:pubkey:d". It is refused unless pubkey is
// the deleter's and kind is replaceable or addressable; the d part of a
// replaceable kind is ignored (one address per author and kind).
func parseDeletionAddr(author, v string) (deletionAddr, bool) {
	parts := strings.SplitN(v, ":", 3)
	if len(parts) != 3 || parts[1] != author {
		return deletionAddr{}, false
	}
	kind, err := strconv.Atoi(parts[0])
	if err != nil {
		return deletionAddr{}, false
	}
	switch {
	case nostr.IsReplaceableKind(kind):
		return deletionAddr{int32(kind), ""}, true
	case nostr.IsAddressableKind(kind):
		return deletionAddr{int32(kind), parts[2]}, true
	}
	return deletionAddr{}, false
}
