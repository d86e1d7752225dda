package archive

import (
	"encoding/hex"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/nbd-wtf/go-nostr"
)

// pgRow is one event as the PostgreSQL store writes it: decoded bytes plus
// every column derived from the tags at save time, so lil mode (which drops
// tags, content and sig) still answers tag queries, replacements, deletions
// and expiry.
type pgRow struct {
	ev              *nostr.Event
	id, pubkey, sig []byte // sig nil in lil mode
	createdAt       int64
	kind            int32
	tagsJSON        *string // nil in lil mode
	content         *string // nil in lil mode
	dTag            *string // replacement address, nil when not replaceable
	expiresAt       *int64
	tags            []pgTag
	// Only for kind 5: the NIP-09 targets this request names.
	delIDs   [][]byte
	delAddrs []pgAddr
}

type pgTag struct{ name, value string }

// pgTagKey packs a tag name and value into event_tag.key: the name's
// letter, then 0x00 and 32 bytes for a 64-hex value, else the value's
// bytes (never containing NUL, so the forms cannot collide). Filters are
// packed the same way, so an upper-case hex value stays distinct.
func pgTagKey(name, value string) []byte {
	if b, ok := pgHex(value, 32); ok {
		return append([]byte{name[0], 0}, b...)
	}
	k := make([]byte, 0, 1+len(value))
	return append(append(k, name[0]), value...)
}

// pgAddr is an address of the author of a deletion request.
type pgAddr struct {
	kind int32
	d    string
}

// pgHex decodes exactly n bytes of lower-case hex. Upper case is refused so
// that a stored id always equals the string it was filtered by (NIP-01
// compares strings).
func pgHex(s string, n int) ([]byte, bool) {
	if len(s) != 2*n {
		return nil, false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return nil, false
		}
	}
	b, err := hex.DecodeString(s)
	return b, err == nil
}

// pgIndexedTag reports whether a tag name is indexed: one ASCII letter, the
// only names NIP-01 filters can query.
func pgIndexedTag(name string) bool {
	return len(name) == 1 && (name[0] >= 'a' && name[0] <= 'z' || name[0] >= 'A' && name[0] <= 'Z')
}

// pgValidText: PostgreSQL text and jsonb refuse NUL and invalid UTF-8, and
// one such string would fail the whole COPY, so the event is Rejected.
func pgValidText(s string) bool {
	return len(s) <= MaxTagValue && strings.IndexByte(s, 0) < 0 && utf8.ValidString(s)
}

// pgRowOf applies the storage rules and derives the stored columns. ok is
// false when the event must be Rejected: malformed id, pubkey or sig, a
// kind outside int32, a NUL byte or invalid UTF-8 in content or tags, or a
// tag element over MaxTagValue bytes.
func pgRowOf(ev *nostr.Event, mode Mode) (r pgRow, ok bool) {
	if ev == nil || ev.Kind < math.MinInt32 || ev.Kind > math.MaxInt32 {
		return r, false
	}
	if r.id, ok = pgHex(ev.ID, 32); !ok {
		return r, false
	}
	if r.pubkey, ok = pgHex(ev.PubKey, 32); !ok {
		return r, false
	}
	sig, ok := pgHex(ev.Sig, 64)
	if !ok {
		return r, false
	}
	if strings.IndexByte(ev.Content, 0) >= 0 || !utf8.ValidString(ev.Content) {
		return r, false
	}
	for _, tag := range ev.Tags {
		for _, v := range tag {
			if !pgValidText(v) {
				return r, false
			}
		}
	}
	r.ev, r.createdAt, r.kind = ev, int64(ev.CreatedAt), int32(ev.Kind)
	if mode == Full {
		tags, content := string(pgTagsJSON(ev.Tags)), ev.Content
		r.sig, r.tagsJSON, r.content = sig, &tags, &content
	}

	var expiry, d *string
	for i, tag := range ev.Tags {
		if len(tag) < 2 {
			continue
		}
		switch {
		case tag[0] == "expiration" && expiry == nil:
			expiry = &ev.Tags[i][1]
		case tag[0] == "d" && d == nil:
			d = &ev.Tags[i][1]
		}
		if !pgIndexedTag(tag[0]) {
			continue
		}
		r.tags = append(r.tags, pgTag{tag[0], tag[1]})
		if ev.Kind == 5 {
			r.addDeletionTarget(ev.PubKey, tag)
		}
	}
	r.tags = pgDedupTags(r.tags)
	if expiry != nil {
		// A malformed expiration is ignored: the event never expires.
		if at, err := strconv.ParseInt(*expiry, 10, 64); err == nil {
			r.expiresAt = &at
		}
	}
	switch {
	case nostr.IsReplaceableKind(ev.Kind):
		empty := ""
		r.dTag = &empty
	case nostr.IsAddressableKind(ev.Kind):
		if d == nil {
			empty := ""
			d = &empty
		}
		r.dTag = d
	}
	return r, true
}

// pgDedupTags drops repeated (name, value) pairs, keeping the first: one
// index row per pair is enough to find the event.
func pgDedupTags(tags []pgTag) []pgTag {
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
	seen := make(map[pgTag]struct{}, len(tags))
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
func (r *pgRow) addDeletionTarget(author string, tag nostr.Tag) {
	switch tag[0] {
	case "e":
		if id, ok := pgHex(tag[1], 32); ok {
			r.delIDs = append(r.delIDs, id)
		}
	case "a":
		parts := strings.SplitN(tag[1], ":", 3)
		if len(parts) != 3 || parts[1] != author {
			return
		}
		kind, err := strconv.Atoi(parts[0])
		if err != nil || !(nostr.IsReplaceableKind(kind) || nostr.IsAddressableKind(kind)) {
			return
		}
		if nostr.IsReplaceableKind(kind) {
			parts[2] = "" // a replaceable kind has one address per author
		}
		r.delAddrs = append(r.delAddrs, pgAddr{int32(kind), parts[2]})
	}
}

// pgTagsJSON encodes tags as a JSON array of arrays of strings. Only '"',
// '\' and control characters are escaped; the input is valid UTF-8 without
// NUL (pgRowOf checked), so the result is valid JSON for jsonb.
func pgTagsJSON(tags nostr.Tags) []byte {
	n := 2
	for _, t := range tags {
		n += 3
		for _, v := range t {
			n += len(v) + 3
		}
	}
	b := make([]byte, 0, n)
	b = append(b, '[')
	for i, t := range tags {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '[')
		for j, v := range t {
			if j > 0 {
				b = append(b, ',')
			}
			b = pgAppendJSONString(b, v)
		}
		b = append(b, ']')
	}
	return append(b, ']')
}

func pgAppendJSONString(b []byte, s string) []byte {
	const hexDigits = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c == '\n':
			b = append(b, '\\', 'n')
		case c == '\t':
			b = append(b, '\\', 't')
		case c == '\r':
			b = append(b, '\\', 'r')
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}
