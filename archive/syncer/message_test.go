package syncer

import (
	"errors"
	"reflect"
	"slices"
	"testing"

	"github.com/nbd-wtf/go-nostr"
)

func TestParseMessage(t *testing.T) {
	ev := `{"id":"` + hex64('a') + `","pubkey":"` + hex64('b') + `","created_at":5,"kind":1,"tags":[],"content":"hi","sig":"` + hex64('c') + hex64('c') + `"}`
	tests := []struct {
		name  string
		in    string
		label string
		sub   string
		text  string
		hints []string
		ok    bool
		event bool
		err   bool
	}{
		{name: "event", in: `["EVENT","s1",` + ev + `]`, label: "EVENT", sub: "s1", event: true},
		{name: "event undecodable", in: `["EVENT","s1",{"kind":"x"}]`, label: "EVENT", sub: "s1"},
		{name: "event without sub", in: `["EVENT",` + ev + `]`, err: true},
		{name: "eose", in: `["EOSE","s1"]`, label: "EOSE", sub: "s1"},
		{name: "eose finish", in: `["EOSE","s1",["finish"]]`, label: "EOSE", sub: "s1", hints: []string{"finish"}},
		{name: "eose unknown hint", in: `["EOSE","s1",["later","more"]]`, label: "EOSE", sub: "s1", hints: []string{"later", "more"}},
		{name: "eose malformed hint", in: `["EOSE","s1",{"x":1}]`, label: "EOSE", sub: "s1"},
		{name: "closed", in: `["CLOSED","s1","auth-required: hi"]`, label: "CLOSED", sub: "s1", text: "auth-required: hi"},
		{name: "notice", in: `["NOTICE","slow down"]`, label: "NOTICE", text: "slow down"},
		{name: "auth", in: `["AUTH","challenge"]`, label: "AUTH", text: "challenge"},
		{name: "ok", in: `["OK","` + hex64('a') + `",true,""]`, label: "OK", sub: hex64('a'), ok: true},
		{name: "neg-err", in: `["NEG-ERR","n1","blocked: too big"]`, label: "NEG-ERR", sub: "n1", text: "blocked: too big"},
		{name: "neg-error spelling", in: `["NEG-ERROR","n1","closed"]`, label: "NEG-ERR", sub: "n1", text: "closed"},
		{name: "neg-msg", in: `["NEG-MSG","n1","61"]`, label: "NEG-MSG", sub: "n1", text: "61"},
		{name: "unknown label", in: `["COUNT","c",{"count":1}]`, label: "COUNT"},
		{name: "not json", in: `hello`, err: true},
		{name: "empty array", in: `[]`, err: true},
		{name: "label not string", in: `[1,2]`, err: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := parseMessage([]byte(tc.in))
			if (err != nil) != tc.err {
				t.Fatalf("err = %v, want error %v", err, tc.err)
			}
			if err != nil {
				if !errors.Is(err, errBadMessage) {
					t.Errorf("err = %v, want errBadMessage", err)
				}
				return
			}
			if m.label != tc.label || m.sub != tc.sub || m.text != tc.text || m.ok != tc.ok ||
				!slices.Equal(m.hints, tc.hints) || (m.event != nil) != tc.event {
				t.Errorf("got %+v", m)
			}
		})
	}
}

func hex64(c byte) string {
	b := make([]byte, 64)
	for i := range b {
		b[i] = c
	}
	return string(b)
}

func FuzzParseMessage(f *testing.F) {
	for _, s := range []string{`["EVENT","s",{}]`, `["EOSE","s",["finish"]]`, `["CLOSED","s","x: y"]`,
		`["NEG-MSG","n","6100"]`, `["OK","id",false,"no"]`, `[`, `["AUTH"]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := parseMessage(b)
		if err != nil {
			return
		}
		if m.label == "" && len(b) > 0 && b[0] == '[' {
			// A label that decodes to "" is allowed; nothing else to check.
			return
		}
		if m.event != nil && m.label != "EVENT" {
			t.Errorf("event on a %s message", m.label)
		}
	})
}

func TestPrefix(t *testing.T) {
	for in, want := range map[string]string{
		"auth-required: who are you": "auth-required",
		"Rate-Limited:slow":          "rate-limited",
		"no prefix here":             "",
		"":                           "",
	} {
		if got := prefix(in); got != want {
			t.Errorf("prefix(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestParseEventFrame checks that the EVENT fast path decodes what the
// general path decodes, and leaves every other shape to it.
func TestParseEventFrame(t *testing.T) {
	ev := burst(genKeys(1), []int{1}, 1, 1700000000, 0, "fast \"path\" \\ \u00e9 \n")[0]
	ev.Tags = nostr.Tags{{"e", hex64('a'), "wss://r.example", "root"}, {"t", "x"}}
	if err := ev.Sign(nostr.GeneratePrivateKey()); err != nil {
		t.Fatal(err)
	}
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
		if fast.label != slow.label || fast.sub != slow.sub || fast.size != slow.size ||
			!reflect.DeepEqual(fast.event, slow.event) || !fast.event.CheckID() {
			t.Errorf("%q: fast %+v, general %+v", in, fast, slow)
		}
	}
	for _, in := range []string{
		`[ "EVENT","s1",` + e + `]`,          // not the usual spelling
		`["EVENT","s\"1",` + e + `]`,         // escaped subscription id
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
