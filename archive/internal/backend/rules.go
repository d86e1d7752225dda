package backend

import (
	"crypto/sha256"
	"encoding/hex"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/nbd-wtf/go-nostr"

	"github.com/bigbrotr/bigbrotr/schema"
)

// eventRow is one event after the storage rules, as both backends write
// it: decoded bytes plus every column derived from the tags at save time,
// so lil mode (which drops tags, content and sig) still answers tag
// queries, replacements, deletions and expiry.
type EventRow struct {
	ID, Pubkey, Sig []byte // sig nil in lil mode
	CreatedAt       int64
	Kind            int32
	TagsJSON        *string // nil in lil mode
	Content         []byte  // nil in lil mode, never nil in full mode
	DTag            *string // replacement address, nil when not replaceable
	ExpiresAt       *int64
	Tags            []indexedTag // deduplicated
	// Only for kind 5: the NIP-09 targets this request names.
	DelIDs   [][]byte
	DelAddrs []deletionAddr
}

// indexedTag is one row of the tag index: a one-letter name and the tag's
// first value.
type indexedTag struct{ Name, Value string }

// deletionAddr is an address of the author of a deletion request.
type deletionAddr struct {
	Kind int32
	D    string
}

// decodeHex decodes exactly n bytes of lower-case hex. Upper case is
// refused so that a stored id always equals the string it was filtered by
// (NIP-01 compares strings).
func decodeHex(s string, n int) ([]byte, bool) {
	if len(s) != 2*n {
		return nil, false
	}
	return AppendHex(make([]byte, 0, n), s)
}

// appendHex appends the bytes of s, lower-case hex of even length, to b.
// It checks and decodes in one pass: it runs for every id, pubkey, sig
// and tag value saved, and was a tenth of the save path's CPU as a check
// loop followed by hex.DecodeString.
func AppendHex(b []byte, s string) ([]byte, bool) {
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
func DecodeID(s string) ([]byte, bool) { return decodeHex(s, 32) }

// Reasons an event is Rejected, the only values of the `reason` label of
// bigbrotr_store_events_rejected_total.
const (
	// rejectMalformed: nil, an id, pubkey or sig that is not lower-case
	// hex of its length, or a kind outside int32.
	rejectMalformed = "malformed"
	// rejectUTF8: invalid UTF-8 in content or a tag element. JSON encoders
	// (go-nostr's and khatru's included) serve such bytes as U+FFFD, so
	// the served event would no longer hash to its id.
	rejectUTF8 = "invalid_utf8"
)

// rejectReasons lists every reason, so each series exists from the start.
var rejectReasons = []string{rejectMalformed, rejectUTF8}

// indexable reports whether the indexes hold v as itself: at most
// MaxTagValue bytes of valid UTF-8 without NUL. Any other value is held
// by its digest (tagIndexValue, pgAddressD): PostgreSQL's TEXT cannot hold
// NUL, and a btree entry is limited to about 2.7 kB.
func Indexable(v string) bool {
	return len(v) <= MaxTagValue && strings.IndexByte(v, 0) < 0 && utf8.ValidString(v)
}

// digestHex is the lower-case hex SHA-256 of v.
func DigestHex(v string) string {
	sum := sha256.Sum256([]byte(v))
	return hex.EncodeToString(sum[:])
}

// tagIndexValue is what the tag index holds for a tag value, and what a
// filter value is reduced to before it is looked up: v itself when
// indexable, else NUL and the 64 hex digits of its SHA-256. Values held as
// themselves never contain NUL (nor did any value stored before events
// with such values were accepted), so the two forms cannot collide, and
// no existing index row needs rewriting. A match by digest is checked
// again against the event's tags before it is served (tagRecheck).
func TagIndexValue(v string) string {
	if Indexable(v) {
		return v
	}
	return "\x00" + DigestHex(v)
}

// tagRecheck wraps fn for a query whose filter names a tag value held by
// digest: the event is served only when its tags really hold one of the
// filter's values for every tag condition, so a match stays exact
// whatever the digest. Lil mode keeps no tags and trusts the digest. fn
// itself is returned when no value is held by digest: the index compared
// the values themselves. CountEvents reads no tags and trusts the digest.
func TagRecheck(f nostr.Filter, lil bool, fn func(*nostr.Event) error) func(*nostr.Event) error {
	if lil || !digestedTags(f.Tags) {
		return fn
	}
	return func(ev *nostr.Event) error {
		for name, values := range f.Tags {
			if values != nil && !ev.Tags.ContainsAny(name, values) {
				return nil
			}
		}
		return fn(ev)
	}
}

// digestedTags reports whether a filter names a value the indexes hold by
// digest.
func digestedTags(m nostr.TagMap) bool {
	for _, values := range m {
		for _, v := range values {
			if !Indexable(v) {
				return true
			}
		}
	}
	return false
}

// newEventRow applies the storage rules and derives the stored columns.
// reason is "" when the event is stored, else why it is Rejected (see the
// reject* constants). Tag elements and content may hold any valid UTF-8 of
// any length, NUL included: content is stored as bytes, tags as JSON text
// (\u0000 escaped), and the indexes hold long or NUL-bearing values by
// digest (tagIndexValue).
func NewEventRow(ev *nostr.Event, k KeepRule) (r EventRow, reason string) {
	var sig []byte
	if r.ID, r.Pubkey, sig, reason = CheckEvent(ev); reason != "" {
		return r, reason
	}
	r.CreatedAt, r.Kind = int64(ev.CreatedAt), int32(ev.Kind)
	if k.whole(ev.PubKey) {
		tags := string(appendTagsJSON(nil, ev.Tags))
		r.Sig, r.TagsJSON = sig, &tags
		r.Content = append(make([]byte, 0, len(ev.Content)), ev.Content...)
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
		if !schema.IndexedTagName(tag[0]) {
			continue
		}
		r.Tags = append(r.Tags, indexedTag{tag[0], tag[1]})
		if ev.Kind == 5 {
			r.addDeletionTarget(ev.PubKey, tag)
		}
	}
	r.Tags = dedupTags(r.Tags)
	r.ExpiresAt = parseExpiration(expiry)
	r.DTag = replacementD(ev.Kind, d)
	return r, ""
}

// checkEvent is the part of the storage rules that refuses events: reason
// is "" or a reject* constant. It decodes what it checks.
func CheckEvent(ev *nostr.Event) (id, pubkey, sig []byte, reason string) {
	if ev == nil || ev.Kind < math.MinInt32 || ev.Kind > math.MaxInt32 {
		return nil, nil, nil, rejectMalformed
	}
	var ok bool
	if id, ok = DecodeID(ev.ID); !ok {
		return nil, nil, nil, rejectMalformed
	}
	if pubkey, ok = DecodeID(ev.PubKey); !ok {
		return nil, nil, nil, rejectMalformed
	}
	if sig, ok = decodeHex(ev.Sig, 64); !ok {
		return nil, nil, nil, rejectMalformed
	}
	if !utf8.ValidString(ev.Content) {
		return nil, nil, nil, rejectUTF8
	}
	for _, tag := range ev.Tags {
		for _, v := range tag {
			if !utf8.ValidString(v) {
				return nil, nil, nil, rejectUTF8
			}
		}
	}
	return id, pubkey, sig, ""
}

// keepRule decides how much of each event is stored: everything in full
// mode; in lil mode metadata only, except for the events of Whole authors
// (the node's own key and relay.writers), which are stored whole so that
// the node can still serve them byte-exact.
type KeepRule struct {
	mode    Mode
	authors map[string]struct{} // hex pubkeys kept whole; read-only after open
}

func NewKeepRule(mode Mode, whole []string) KeepRule {
	k := KeepRule{mode: mode, authors: make(map[string]struct{}, len(whole))}
	for _, pk := range whole {
		k.authors[pk] = struct{}{}
	}
	return k
}

// whole reports whether an event of pubkey keeps its tags, content and sig.
func (k KeepRule) whole(pubkey string) bool {
	if k.mode == Full {
		return true
	}
	_, ok := k.authors[pubkey]
	return ok
}

// servable narrows f to the authors whose events lil mode keeps whole,
// the only ones QueryServable can yield, so the statement is driven by
// the author indexes instead of walking metadata-only rows in search of
// the few whole ones. ok is false when no author remains. Full mode
// returns f unchanged.
func (k KeepRule) Servable(f nostr.Filter) (_ nostr.Filter, ok bool) {
	if k.mode == Full {
		return f, true
	}
	var authors []string
	if f.Authors == nil {
		authors = slices.Sorted(maps.Keys(k.authors))
	}
	for _, a := range f.Authors {
		if _, ok := k.authors[a]; ok {
			authors = append(authors, a)
		}
	}
	f.Authors = authors
	return f, len(authors) > 0
}

// visibility is what a query may yield besides what its filter asks:
// events not expired at now (NIP-40), and with wholeOnly only events
// stored whole (in lil mode, those of keepRule's authors). It is a
// condition of the statement, not a check on the rows it returns, so a
// limit counts the events served.
type Visibility struct {
	Now       int64
	WholeOnly bool
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
func (r *EventRow) addDeletionTarget(author string, tag nostr.Tag) {
	switch tag[0] {
	case "e":
		if id, ok := DecodeID(tag[1]); ok {
			r.DelIDs = append(r.DelIDs, id)
		}
	case "a":
		if a, ok := parseDeletionAddr(author, tag[1]); ok {
			r.DelAddrs = append(r.DelAddrs, a)
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
