package node

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/nbd-wtf/go-nostr"
)

// conformance: public (unknown key) EVENT → OK false "restricted: ..."; also with AUTH as unknown.
func TestPublicCannotWrite(t *testing.T) {
	tn := startNode(t, nil)
	stranger := nostr.GeneratePrivateKey()
	c := dial(t, tn.URL())
	ev := signed(t, stranger, 1, time.Now().Unix(), nil, "let me in")
	if ok, msg := c.publish(ev); ok || !hasPrefix(msg, "restricted") {
		t.Fatalf("public EVENT: OK %v %q, want false restricted:", ok, msg)
	}
	if ok, msg := c.auth(tn.URL(), stranger, nil); !ok {
		t.Fatalf("AUTH as unknown refused: %s", msg)
	}
	if ok, msg := c.publish(ev); ok || !hasPrefix(msg, "restricted") {
		t.Fatalf("EVENT after AUTH as unknown: OK %v %q, want false restricted:", ok, msg)
	}
	// Ephemeral and kind-5 events from the public are refused the same way.
	for _, kind := range []int{20001, 5} {
		e := signed(t, stranger, kind, time.Now().Unix(), nostr.Tags{{"e", ev.ID}}, "")
		if ok, msg := c.publish(e); ok || !hasPrefix(msg, "restricted") {
			t.Fatalf("public kind %d: OK %v %q", kind, ok, msg)
		}
	}
	if got := c.query(nostr.Filter{Authors: []string{ev.PubKey}}); len(got) != 0 {
		t.Fatalf("refused event was stored: %v", got)
	}
}

// conformance: known key can write own and other-signed events; reads them back.
func TestKnownCanWriteOwnAndOther(t *testing.T) {
	tn := startNode(t, nil)
	c := dial(t, tn.URL())
	own := signed(t, tn.writerSK, 1, time.Now().Unix(), nil, "own")
	nodeOwn := signed(t, tn.nodeSK, 1, time.Now().Unix(), nil, "node key writes over WebSocket too")
	c.mustPublish(own, nodeOwn)

	other := signed(t, nostr.GeneratePrivateKey(), 1, time.Now().Unix(), nil, "other-signed")
	if ok, _ := c.publish(other); ok {
		t.Fatal("other-signed event accepted before AUTH")
	}
	if ok, msg := c.auth(tn.URL(), tn.writerSK, nil); !ok {
		t.Fatalf("AUTH as known: %s", msg)
	}
	c.mustPublish(other)

	got := dial(t, tn.URL()).query(nostr.Filter{IDs: []string{own.ID, nodeOwn.ID, other.ID}})
	if len(got) != 3 {
		t.Fatalf("read back %d of 3", len(got))
	}
}

// conformance: sends OK after every EVENT; verifies signatures and id hashes (invalid:).
func TestSendsOKVerifiesSignaturesAndIDs(t *testing.T) {
	tn := startNode(t, nil)
	c := dial(t, tn.URL())
	good := signed(t, tn.writerSK, 1, time.Now().Unix(), nil, "good")

	badSig := good
	badSig.Sig = strings.Repeat("0", 128)
	if ok, msg := c.publish(badSig); ok || !hasPrefix(msg, "invalid") {
		t.Fatalf("bad signature: OK %v %q", ok, msg)
	}
	badID := good
	badID.Content = "tampered"
	if ok, msg := c.publish(badID); ok || !hasPrefix(msg, "invalid") {
		t.Fatalf("bad id: OK %v %q", ok, msg)
	}
	if ok, msg := c.publish(good); !ok {
		t.Fatalf("good: %s", msg)
	}
	if ok, _ := c.publish(good); !ok {
		t.Fatal("duplicate must be OK true")
	}
}

// makeRaw builds an event whose JSON is written by hand (content escapes
// and created_at verbatim) and signs it the way a conformant client does:
// the id is computed over the canonical serialization of the decoded event.
// When created_at cannot be decoded (scientific notation) the id is left as
// the hash of the hand-written serialization and the signature is empty.
func makeRaw(t *testing.T, sk, createdAt, kind, tags, content string) (string, string) {
	t.Helper()
	pk, _ := nostr.GetPublicKey(sk)
	format := `{"id":"%s","pubkey":"%s","created_at":%s,"kind":%s,"tags":%s,"content":"%s","sig":"%s"}`
	var ev nostr.Event
	if err := json.Unmarshal([]byte(fmt.Sprintf(format, "", pk, createdAt, kind, tags, content, "")), &ev); err != nil {
		sum := sha256.Sum256([]byte(fmt.Sprintf(`[0,"%s",%s,%s,%s,"%s"]`, pk, createdAt, kind, tags, content)))
		id := hex.EncodeToString(sum[:])
		return id, fmt.Sprintf(format, id, pk, createdAt, kind, tags, content, strings.Repeat("0", 128))
	}
	if err := ev.Sign(sk); err != nil {
		t.Fatal(err)
	}
	return ev.ID, fmt.Sprintf(format, ev.ID, pk, createdAt, kind, tags, content, ev.Sig)
}

// conformance: accepts NIP-01 JSON escape sequences, unlisted escapes, UTF-8
// non-characters, null characters in content; served back unchanged.
func TestAcceptsJSONEscapesAndOddCharacters(t *testing.T) {
	tn := startNode(t, nil)
	c := dial(t, tn.URL())
	now := fmt.Sprint(time.Now().Unix())
	tests := map[string]string{
		"nip1_escapes":     `linebreak\ndoublequote\"backslash\\carriagereturn\rtab\tbackspace\bformfeed\fend`,
		"unlisted_escapes": `\u0001\u0002\u0007 \u000b \u000e \u001f \/`,
		"literals":         "linebreak\\nbackslash\\\\tab\\tend",
		"utf8_nonchars":    "\uFDD1 \U0001FFFF \U0010FFFE",
	}
	for name, content := range tests {
		t.Run(name, func(t *testing.T) {
			id, raw := makeRaw(t, tn.writerSK, now, "1", "[]", content)
			if ok, msg := c.publishRaw(id, raw); !ok {
				t.Fatalf("refused: %s", msg)
			}
			got := c.query(nostr.Filter{IDs: []string{id}})
			if len(got) != 1 {
				t.Fatalf("not served back")
			}
			if !got[0].CheckID() {
				t.Fatalf("served event's content changed: %q", got[0].Content)
			}
		})
	}
}

// conformance: null characters (and other unlisted escapes) in content are
// accepted and served back byte-identical: the archive keeps content as bytes.
func TestNullCharactersInContent(t *testing.T) {
	tn := startNode(t, nil)
	c := dial(t, tn.URL())
	// relay-tester's "unlisted escapes" content, NUL first.
	const content = `before\u0000\u0001\u0002\u0007 \u000b \u000e \u001f \/after`
	id, raw := makeRaw(t, tn.writerSK, fmt.Sprint(time.Now().Unix()), "1", "[]", content)
	if ok, msg := c.publishRaw(id, raw); !ok {
		t.Fatalf("NUL in content refused: %q", msg)
	}
	got := c.query(nostr.Filter{IDs: []string{id}})
	if len(got) != 1 || got[0].Content != "before\x00\x01\x02\x07 \x0b \x0e \x1f /after" || !got[0].CheckID() {
		t.Fatalf("not served back intact: %q", got)
	}
}

// conformance: created_at from before 1970 to beyond unsigned 32-bit;
// scientific notation refused cleanly.
func TestCreatedAtRange(t *testing.T) {
	tn := startNode(t, nil)
	c := dial(t, tn.URL())
	for _, ts := range []int64{-86400 * 365, 0, 1 << 31, 1<<32 + 100} {
		ev := signed(t, tn.writerSK, 1, ts, nil, fmt.Sprint("created at ", ts))
		if ok, msg := c.publish(ev); !ok {
			t.Fatalf("created_at %d refused: %s", ts, msg)
		}
		got := c.query(nostr.Filter{IDs: []string{ev.ID}})
		if len(got) != 1 || int64(got[0].CreatedAt) != ts {
			t.Fatalf("created_at %d not served back: %v", ts, got)
		}
	}
	// Scientific notation: refused (no OK true), and the connection lives on.
	_, raw := makeRaw(t, tn.writerSK, "1.7e9", "1", "[]", "sci")
	c.sendRaw(`["EVENT",` + raw + `]`)
	m := c.expect("OK", "NOTICE")
	if str(t, m[0]) == "OK" {
		var ok bool
		json.Unmarshal(m[2], &ok)
		if ok {
			t.Fatalf("scientific notation accepted: %s", m)
		}
	}
	if _, closed := c.req("alive", nostr.Filter{Limit: 1}); closed != "" {
		t.Fatal(closed)
	}
}

// conformance: kinds larger than 16 bit handled (event and filter).
func TestKindsLargerThan16Bit(t *testing.T) {
	tn := startNode(t, nil)
	c := dial(t, tn.URL())
	ev := signed(t, tn.writerSK, 70000, time.Now().Unix(), nil, "big kind")
	ok, msg := c.publish(ev)
	if !ok {
		t.Fatalf("kind 70000 refused: %s", msg)
	}
	got := c.query(nostr.Filter{Kinds: []int{70000}})
	if len(got) != 1 || got[0].ID != ev.ID {
		t.Fatalf("filter kind 70000: %v", ids(got))
	}
	if got := c.query(nostr.Filter{Kinds: []int{1 << 40}}); len(got) != 0 {
		t.Fatalf("huge filter kind matched %v", ids(got))
	}
}

// conformance: preserves JSON field order when serving an event as archived.
// What the node controls is checked: every field is served, tags and their
// elements keep their order, the id still verifies. The order of the
// top-level keys is go-nostr's serializer's (it writes "kind" first) and
// non-standard top-level fields are dropped when khatru decodes the event;
// both are reported as unmet.
func TestPreservesJSONFieldOrder(t *testing.T) {
	tn := startNode(t, nil)
	c := dial(t, tn.URL())
	ev := signed(t, tn.writerSK, 1, time.Now().Unix(), nostr.Tags{{"z", "1"}, {"a", "2", "extra"}, {"p", strings.Repeat("b", 64)}, {"e", strings.Repeat("c", 64), "", "root"}}, "order")
	c.mustPublish(ev)
	raws, _ := c.reqRaw("raw", nostr.Filter{IDs: []string{ev.ID}})
	if len(raws) != 1 {
		t.Fatal("not served")
	}
	var keys []string
	dec := json.NewDecoder(strings.NewReader(string(raws[0])))
	dec.Token()
	for dec.More() {
		k, _ := dec.Token()
		keys = append(keys, k.(string))
		var skip json.RawMessage
		dec.Decode(&skip)
	}
	sort.Strings(keys)
	if got := strings.Join(keys, ","); got != "content,created_at,id,kind,pubkey,sig,tags" {
		t.Fatalf("served fields %s", got)
	}
	var back nostr.Event
	json.Unmarshal(raws[0], &back)
	if fmt.Sprint(back.Tags) != fmt.Sprint(ev.Tags) || !back.CheckID() {
		t.Fatalf("tags changed: %v → %v", ev.Tags, back.Tags)
	}
}

// conformance: large contact lists (10k p tags) within max_message_length.
func TestLargeContactList(t *testing.T) {
	tn := startNode(t, nil)
	c := dial(t, tn.URL())
	tags := make(nostr.Tags, 10000)
	for i := range tags {
		pk := sha256.Sum256([]byte(fmt.Sprint(i)))
		tags[i] = nostr.Tag{"p", hex.EncodeToString(pk[:])}
	}
	ev := signed(t, tn.writerSK, 3, time.Now().Unix(), tags, "")
	if len(ev.String()) > Default().Relay.MaxMessageLength {
		t.Fatalf("test event (%d bytes) exceeds the default max_message_length", len(ev.String()))
	}
	if ok, msg := c.publish(ev); !ok {
		t.Fatalf("10k contact list refused: %s", msg)
	}
	got := c.query(nostr.Filter{Authors: []string{ev.PubKey}, Kinds: []int{3}})
	if len(got) != 1 || len(got[0].Tags) != 10000 || !got[0].CheckID() {
		t.Fatalf("contact list not served back intact")
	}
}
