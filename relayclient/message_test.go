package relayclient

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/nbd-wtf/go-nostr"
)

func hex64(c byte) string { return strings.Repeat(string(c), 64) }

func TestParse(t *testing.T) {
	ev := `{"id":"` + hex64('a') + `","pubkey":"` + hex64('b') + `","created_at":5,"kind":1,"tags":[],"content":"hi","sig":"` + hex64('c') + hex64('c') + `"}`
	tests := []struct {
		in    string
		want  Message // Event is checked as present or not; zero Label wants an error
		event bool
	}{
		{`["EVENT","s1",` + ev + `]`, Message{Label: "EVENT", SubID: "s1", Size: len(ev), Known: true}, true},
		{`["EVENT","s1",{"kind":"x"}]`, Message{Label: "EVENT", SubID: "s1", Size: 12, Known: true}, false},
		{`["EOSE","s"]`, Message{Label: "EOSE", SubID: "s", Known: true}, false},
		{`["EOSE","s",["finish"]]`, Message{Label: "EOSE", SubID: "s", Hints: []string{"finish"}, Known: true}, false},
		{`["EOSE","s",["later","more"]]`, Message{Label: "EOSE", SubID: "s", Hints: []string{"later", "more"}, Known: true}, false},
		{`["EOSE","s",{"x":1}]`, Message{Label: "EOSE", SubID: "s", Known: true}, false},
		{`["OK","id",true,""]`, Message{Label: "OK", EventID: "id", OK: true, Known: true}, false},
		{`["OK","id",false,"blocked: no"]`, Message{Label: "OK", EventID: "id", Text: "blocked: no", Known: true}, false},
		{`["OK","id",false]`, Message{Label: "OK", EventID: "id", Known: true}, false},
		{`["CLOSED","s","auth-required: x"]`, Message{Label: "CLOSED", SubID: "s", Text: "auth-required: x", Known: true}, false},
		{`["CLOSED","s"]`, Message{Label: "CLOSED", SubID: "s", Known: true}, false},
		{`["NOTICE","hello"]`, Message{Label: "NOTICE", Text: "hello", Known: true}, false},
		{`["AUTH","challenge"]`, Message{Label: "AUTH", Text: "challenge", Known: true}, false},
		{`["COUNT","q",{"count":42,"approximate":true}]`, Message{Label: "COUNT", SubID: "q", Count: 42, Known: true}, false},
		{`["NEG-MSG","n","61"]`, Message{Label: "NEG-MSG", SubID: "n", Text: "61", Known: true}, false},
		{`["NEG-ERR","n","blocked: too big"]`, Message{Label: "NEG-ERR", SubID: "n", Text: "blocked: too big", Known: true}, false},
		{`["NEG-ERROR","n","closed: slow"]`, Message{Label: "NEG-ERR", SubID: "n", Text: "closed: slow", Known: true}, false},
		{` [ "EOSE" , "s" ] `, Message{Label: "EOSE", SubID: "s", Known: true}, false},
		{`["PING"]`, Message{Label: "PING"}, false}, // unknown but tolerated
		// Errors: client messages (an echo), wrong shapes, not JSON.
		{`["REQ","s",{}]`, Message{}, false},
		{`["EVENT",` + ev + `]`, Message{}, false},
		{`["AUTH",{"kind":22242}]`, Message{}, false},
		{`["CLOSE","s"]`, Message{}, false},
		{`["NEG-OPEN","s",{},"61"]`, Message{}, false},
		{`["OK","id","true","x"]`, Message{}, false},
		{`["OK","id",true,5]`, Message{}, false},
		{`["EOSE",5]`, Message{}, false},
		{`["COUNT","q",{"count":-1}]`, Message{}, false},
		{`["COUNT","q",{"count":1.5}]`, Message{}, false},
		{`["COUNT","q",{}]`, Message{}, false},
		{`["NOTICE"]`, Message{}, false},
		{`[]`, Message{}, false},
		{`[1,2]`, Message{}, false},
		{`{"EVENT":1}`, Message{}, false},
		{`not json`, Message{}, false},
	}
	for _, tc := range tests {
		got, err := Parse([]byte(tc.in))
		if tc.want.Label == "" {
			if !errors.Is(err, ErrNotRelayMessage) {
				t.Errorf("%s: got %+v, %v; want ErrNotRelayMessage", tc.in, got, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.in, err)
			continue
		}
		if (got.Event != nil) != tc.event {
			t.Errorf("%s: event decoded = %v, want %v", tc.in, got.Event != nil, tc.event)
		}
		got.Event = nil
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s:\n got %+v\nwant %+v", tc.in, got, tc.want)
		}
	}
	// An echoed REQ keeps its label, so that an echo server is told apart.
	if m, err := Parse([]byte(`["REQ","s",{}]`)); err == nil || m.Label != "REQ" {
		t.Errorf("echoed REQ: %+v, %v", m, err)
	}
}

func TestPrefix(t *testing.T) {
	for in, want := range map[string]string{
		"auth-required: who are you": "auth-required",
		"Rate-Limited:slow":          "rate-limited",
		"no prefix here":             "",
		"":                           "",
	} {
		if got := Prefix(in); got != want {
			t.Errorf("Prefix(%q) = %q, want %q", in, got, want)
		}
	}
}

func signedEvent(t testing.TB, content string) nostr.Event {
	t.Helper()
	ev := nostr.Event{CreatedAt: 1700000000, Kind: 1, Content: content,
		Tags: nostr.Tags{{"e", hex64('a'), "wss://r.example", "root"}, {"t", "x"}}}
	if err := ev.Sign(nostr.GeneratePrivateKey()); err != nil {
		t.Fatal(err)
	}
	return ev
}

// TestParseEventFrame checks that the EVENT fast path decodes what the
// general path decodes, and leaves every other shape to it.
func TestParseEventFrame(t *testing.T) {
	ev := signedEvent(t, "fast \"path\" \\ \u00e9 \n")
	js, _ := ev.MarshalJSON()
	e := string(js)
	for _, in := range []string{
		`["EVENT","s1",` + e + `]`,
		`["EVENT","s1", ` + e + " ]\n",
		`["EVENT","s1",` + "\t" + e + `]`,
	} {
		fast, ok := parseEventFrame([]byte(in))
		if !ok {
			t.Fatalf("fast path refused %q", in)
		}
		slow, err := parseFrame([]byte(in))
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(fast, slow) || !fast.Event.CheckID() {
			t.Errorf("%q: fast %+v, general %+v", in, fast, slow)
		}
	}
	for _, in := range []string{
		`[ "EVENT","s1",` + e + `]`,          // not the usual spelling
		`["EVENT","s\"1",` + e + `]`,         // escaped subscription id
		"[\"EVENT\",\"s\x011\"," + e + `]`,   // control byte in the id
		`["EVENT","s1",` + e + `,` + e + `]`, // four elements
		`["EVENT","s1",` + e + `]x`,          // trailing garbage
		`["EVENT","s1",{"kind":"x"}]`,        // undecodable event
		`["EVENT","s1",` + e,                 // cut short
		`["EVENT","s1"]`,
		`["EOSE","s1"]`,
	} {
		if m, ok := parseEventFrame([]byte(in)); ok {
			t.Errorf("fast path took %q: %+v", in, m)
		}
	}
}

// FuzzParse: no frame crashes the parser; what it accepts is consistent,
// and the fast path never accepts what the general path refuses.
func FuzzParse(f *testing.F) {
	for _, s := range []string{`["EVENT","s",{}]`, `["EOSE","s",["finish"]]`, `["CLOSED","s","x: y"]`,
		`["NEG-MSG","n","6100"]`, `["OK","id",false,"no"]`, `[`, `["AUTH"]`, `["COUNT","q",{"count":3}]`,
		`["EVENT","s",{"id":"` + hex64('a') + `","kind":1,"created_at":1,"tags":[["t","\u0000"]],"content":""}]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Parse(b)
		if err != nil {
			if !errors.Is(err, ErrNotRelayMessage) {
				t.Fatalf("error %v does not wrap ErrNotRelayMessage", err)
			}
			return
		}
		if m.Event != nil && m.Label != "EVENT" {
			t.Errorf("event on a %s message", m.Label)
		}
		if m.Count < 0 {
			t.Errorf("negative count %d", m.Count)
		}
		// Where both paths take a frame they agree. (The event decoder of
		// the fast path tolerates raw control bytes in strings that
		// encoding/json refuses; such an event still faces the id check.)
		if fast, ok := parseEventFrame(b); ok {
			if slow, err := parseFrame(b); err == nil && (slow.Label != "EVENT" || slow.SubID != fast.SubID || slow.Size != fast.Size) {
				t.Errorf("fast path took %q as %+v, general path as %+v", b, fast, slow)
			}
		}
	})
}

func BenchmarkParseEvent(b *testing.B) {
	ev := signedEvent(b, strings.Repeat("benchmark content ", 10))
	js, _ := ev.MarshalJSON()
	frame := []byte(`["EVENT","sync1",` + string(js) + `]`)
	b.SetBytes(int64(len(frame)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(frame); err != nil {
			b.Fatal(err)
		}
	}
}
