package discovery

import (
	"errors"
	"slices"
	"testing"
)

func TestPathSelect(t *testing.T) {
	const doc = `{
		"data": {"relays": [{"url": "wss://a.example"}, {"url": "wss://b.example"}, {"url": 7}, {"name": "x"}]},
		"online": ["wss://c.example", "wss://d.example", null, ["nested"]],
		"byurl": {"wss://f.example": {"up": true}, "wss://e.example": {"up": false}},
		"odd key": {"it's": "wss://g.example"},
		"count": 2
	}`
	tests := []struct {
		expr string
		want []string
	}{
		{"$.data.relays[*].url", []string{"wss://a.example", "wss://b.example"}},
		{"data.relays[*].url", []string{"wss://a.example", "wss://b.example"}},
		{"$.online[*]", []string{"wss://c.example", "wss://d.example"}},
		{"$.online.*", []string{"wss://c.example", "wss://d.example"}},
		{"$.online[1]", []string{"wss://d.example"}},
		{"$.online[-4]", []string{"wss://c.example"}},
		{"$.online[9]", nil},
		{"$.byurl.*~", []string{"wss://e.example", "wss://f.example"}},
		{"$.byurl[*]~", []string{"wss://e.example", "wss://f.example"}},
		{"$['odd key'][\"it's\"]", []string{"wss://g.example"}},
		{`$['odd key']['it\'s']`, []string{"wss://g.example"}},
		{"$.count", nil},
		{"$.missing[*].url", nil},
		{"$.data.relays.url", nil},
		{"$.online[0]~", nil},
		{"$.data~", []string{"data"}},
	}
	for _, tc := range tests {
		t.Run(tc.expr, func(t *testing.T) {
			p, err := ParsePath(tc.expr)
			if err != nil {
				t.Fatal(err)
			}
			got, err := p.SelectJSON([]byte(doc))
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
	p, _ := ParsePath("$[*]")
	got, _ := p.SelectJSON([]byte(`["wss://x.example", 1, "wss://y.example"]`))
	if !slices.Equal(got, []string{"wss://x.example", "wss://y.example"}) {
		t.Errorf("root array: got %q", got)
	}
}

func TestParsePathErrors(t *testing.T) {
	for _, expr := range []string{
		"", "  ", "$.", "$..a", "$[", "$[x]", "$['a'", "$['a'x]", "$~", "~", "$.a~.b", "$.a b", "$[99999999999]", "a..b",
		"$.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a",
	} {
		if _, err := ParsePath(expr); !errors.Is(err, ErrPath) {
			t.Errorf("ParsePath(%q) = %v, want ErrPath", expr, err)
		}
	}
}

func TestPathString(t *testing.T) {
	for in, want := range map[string]string{
		"data.relays[*].url": "$.data.relays[*].url",
		"$.*~":               "$[*]~",
		`$["a b"][-1]`:       "$['a b'][-1]",
		`$['it\'s']`:         `$['it\'s']`,
		"$":                  "$",
	} {
		p, err := ParsePath(in)
		if err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		if got := p.String(); got != want {
			t.Errorf("ParsePath(%q).String() = %q, want %q", in, got, want)
		}
	}
}

// FuzzParsePath checks that parsing never panics, that the canonical
// spelling parses back to itself, and that evaluation never panics.
func FuzzParsePath(f *testing.F) {
	for _, s := range []string{"$[*]", "$.data.relays[*].url", "$.*~", `$['a\'b']["c"][-2]`, "a.b", "$[", "~"} {
		f.Add(s, `{"a":[1,"x",{"b":"y"}],"data":{"relays":[{"url":"wss://r.example"}]}}`)
	}
	f.Fuzz(func(t *testing.T, expr, doc string) {
		p, err := ParsePath(expr)
		if err != nil {
			if !errors.Is(err, ErrPath) {
				t.Fatalf("error %v does not wrap ErrPath", err)
			}
			return
		}
		canon := p.String()
		q, err := ParsePath(canon)
		if err != nil {
			t.Fatalf("canonical %q of %q does not parse: %v", canon, expr, err)
		}
		if q.String() != canon {
			t.Fatalf("canonical form not stable: %q -> %q", canon, q.String())
		}
		_, _ = p.SelectJSON([]byte(doc))
	})
}
