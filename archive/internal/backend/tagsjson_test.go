package backend

import (
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/nbd-wtf/go-nostr"
)

// Tags written by appendTagsJSON come back equal through parseTagsJSON,
// and the fast path (not the encoding/json fallback) reads them.
func TestTagsJSONRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	alphabet := []string{"a", "Z", "0", " ", "\"", "\\", "/", "\n", "\t", "\r", "\x01", "\x1f", "\x7f", "é", "⚡", "🤙", "<&>", "\u2028"}
	for n := range 2000 {
		tags := make(nostr.Tags, r.IntN(5))
		for i := range tags {
			tags[i] = make(nostr.Tag, r.IntN(4))
			for j := range tags[i] {
				for range r.IntN(6) {
					tags[i][j] += alphabet[r.IntN(len(alphabet))]
				}
			}
		}
		b := appendTagsJSON(nil, tags)
		fast, ok := parseTagsFast(b)
		if !ok {
			t.Fatalf("case %d: fast path refused %s", n, b)
		}
		var want nostr.Tags
		if err := json.Unmarshal(b, &want); err != nil {
			t.Fatalf("case %d: %s is not JSON: %v", n, b, err)
		}
		if !reflect.DeepEqual(fast, want) || !reflect.DeepEqual(fast, tags) {
			t.Fatalf("case %d: %s decoded to %q, encoding/json says %q, written %q", n, b, fast, want, tags)
		}
	}
}

// FuzzParseTagsJSON: whatever the input, parseTagsJSON agrees with
// encoding/json, and the fast path never accepts what encoding/json
// would decode differently.
func FuzzParseTagsJSON(f *testing.F) {
	for _, s := range []string{`[]`, `[[]]`, `[["e","x"],["p"]]`, `[["a\u0001\"\\\/"]]`, `[ ["e"] ]`,
		`[["\u00e9"]]`, `[[1]]`, `null`, `[["x"],]`, `[["x"]]x`, `[["\u001g"]]`, "[[\"\xba\"]]"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var want nostr.Tags
		werr := json.Unmarshal(b, &want)
		if fast, ok := parseTagsFast(b); ok && (werr != nil || !reflect.DeepEqual(fast, want)) {
			t.Fatalf("fast path read %q as %q; encoding/json: %q, %v", b, fast, want, werr)
		}
		got, err := ParseTagsJSON(b)
		if (err == nil) != (werr == nil) || (err == nil && !reflect.DeepEqual(got, want)) {
			t.Fatalf("parseTagsJSON(%q) = %q, %v; encoding/json: %q, %v", b, got, err, want, werr)
		}
	})
}
