package archive

import (
	"encoding/hex"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/nbd-wtf/go-nostr"
)

// liteRow is one event as the embedded store writes it: decoded bytes plus
// every column derived from the tags at save time, so lil mode (which drops
// the tags) still answers tag queries, replacements, deletions and expiry.
type liteRow struct {
	id, pubkey, sig []byte
	createdAt       int64
	kind            int
	tagsJSON        []byte  // nil in lil mode
	content         *string // nil in lil mode
	dTag            *string // replacement address, nil when not replaceable
	expiresAt       *int64
	tags            []liteTag
	// Only for kind 5: the NIP-09 targets this request names.
	delIDs   [][]byte
	delAddrs []liteAddr
}

type liteTag struct{ name, value string }

type liteAddr struct {
	kind int
	d    string
}

// liteHex32 decodes 64 lower-case hex characters. Upper case is refused so
// that a stored id always equals the string it was filtered by (NIP-01
// compares strings).
func liteHex32(s string) ([]byte, bool) {
	return liteHexN(s, 32)
}

func liteHexN(s string, n int) ([]byte, bool) {
	if len(s) != 2*n {
		return nil, false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return nil, false
		}
	}
	b, err := hex.DecodeString(s)
	return b, err == nil
}

// liteTagName reports whether a tag name is indexed: exactly one ASCII
// letter, the only names NIP-01 filters can query.
func liteTagName(name string) bool {
	return len(name) == 1 && (name[0] >= 'a' && name[0] <= 'z' || name[0] >= 'A' && name[0] <= 'Z')
}

// liteReplaceable reports whether kind has a replacement address: NIP-01
// replaceable (0, 3, 10000-19999) or addressable (30000-39999).
func liteReplaceable(kind int) bool {
	return nostr.IsReplaceableKind(kind) || nostr.IsAddressableKind(kind)
}

// liteRowOf applies the storage rules and derives the stored columns. ok is
// false when the event must be Rejected: malformed id, pubkey or sig, a NUL
// byte anywhere in content or tags, or a tag element over MaxTagValue bytes.
func liteRowOf(ev *nostr.Event, mode Mode) (r liteRow, ok bool) {
	if ev == nil {
		return r, false
	}
	if r.id, ok = liteHex32(ev.ID); !ok {
		return r, false
	}
	if r.pubkey, ok = liteHex32(ev.PubKey); !ok {
		return r, false
	}
	sig, ok := liteHexN(ev.Sig, 64)
	if !ok {
		return r, false
	}
	if strings.IndexByte(ev.Content, 0) >= 0 {
		return r, false
	}
	for _, tag := range ev.Tags {
		for _, v := range tag {
			if len(v) > MaxTagValue || strings.IndexByte(v, 0) >= 0 {
				return r, false
			}
		}
	}
	r.createdAt, r.kind = int64(ev.CreatedAt), ev.Kind
	if mode == Full {
		tags := ev.Tags
		if tags == nil {
			tags = nostr.Tags{}
		}
		b, err := json.Marshal(tags)
		if err != nil {
			return r, false
		}
		content := ev.Content
		r.sig, r.tagsJSON, r.content = sig, b, &content
	}

	seen := make(map[liteTag]struct{}, len(ev.Tags))
	var expiry, d *string
	for _, tag := range ev.Tags {
		if len(tag) < 2 {
			continue
		}
		switch {
		case tag[0] == "expiration" && expiry == nil:
			expiry = &tag[1]
		case tag[0] == "d" && d == nil:
			d = &tag[1]
		}
		if !liteTagName(tag[0]) {
			continue
		}
		t := liteTag{tag[0], tag[1]}
		if _, dup := seen[t]; !dup {
			seen[t] = struct{}{}
			r.tags = append(r.tags, t)
		}
		if ev.Kind == 5 {
			r.addDeletionTarget(ev.PubKey, tag)
		}
	}
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

// addDeletionTarget records what one tag of a kind 5 asks to delete. Only
// the author's own events can be deleted: an `a` tag naming another pubkey
// is ignored here, and `e` targets are matched on (id, author) when applied.
func (r *liteRow) addDeletionTarget(author string, tag nostr.Tag) {
	switch tag[0] {
	case "e":
		if id, ok := liteHex32(tag[1]); ok {
			r.delIDs = append(r.delIDs, id)
		}
	case "a":
		parts := strings.SplitN(tag[1], ":", 3)
		if len(parts) != 3 || parts[1] != author {
			return
		}
		kind, err := strconv.Atoi(parts[0])
		if err != nil || !liteReplaceable(kind) {
			return
		}
		if nostr.IsReplaceableKind(kind) {
			parts[2] = "" // replaceable events have one address per kind
		}
		r.delAddrs = append(r.delAddrs, liteAddr{kind, parts[2]})
	}
}
