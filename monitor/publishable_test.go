package monitor

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestCleanValue(t *testing.T) {
	long := strings.Repeat("é", maxTagValue) // 2 bytes each
	for _, tt := range []struct{ in, want string }{
		{"plain", "plain"},
		{"  spaced\t", "spaced"},
		{"nul\x00inside", "nulinside"},
		{"bell\x07 del\x7f c1\u0085", "bell del c1"},
		{"bad \xff\xfe utf8", "bad  utf8"},
		{"lone \xed\xa0\x80 surrogate", "lone  surrogate"},
		{"keeps \ufffd and \u2028 inside", "keeps \ufffd and \u2028 inside"},
		{strings.Repeat("x", 10<<10), strings.Repeat("x", maxTagValue)},
		{long, long[:maxTagValue]},
		{"x" + long, "x" + long[:maxTagValue-2]},
		{"\x00\x01", ""},
	} {
		got := cleanValue(tt.in)
		if got != tt.want {
			t.Errorf("cleanValue(%.40q) = %.40q, want %.40q", tt.in, got, tt.want)
		}
		if !utf8.ValidString(got) || len(got) > maxTagValue {
			t.Errorf("cleanValue(%.40q) = %.40q: invalid UTF-8 or over %d bytes", tt.in, got, maxTagValue)
		}
	}
}

func TestPublishableJSON(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{`{"b":1,"a":[true,null,"x"]}`, `{"b":1,"a":[true,null,"x"]}`},
		{" {\n \"a\" : 1.50e3 , \"c\":{}}\n", `{"a":1.50e3,"c":{}}`},
		{`{"nul":"a\u0000b","esc":"\/\u00e9\"\\"}`, `{"nul":"a\u0000b","esc":"/é\"\\"}`},
		{"{\"raw\":\"\xff\xfe\",\"k\xc3\":0}", "{\"raw\":\"\ufffd\ufffd\",\"k\ufffd\":0}"},
		{`{"lone":"\ud800"}`, "{\"lone\":\"\ufffd\"}"},
		{`{"ctl":"` + "\x7f" + `\u001f"}`, "{\"ctl\":\"\x7f\\u001f\"}"},
		{`[[],{},""]`, `[[],{},""]`},
	} {
		got, err := publishableJSON([]byte(tt.in))
		if err != nil || string(got) != tt.want {
			t.Errorf("publishableJSON(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			continue
		}
		if !json.Valid(got) || !utf8.Valid(got) {
			t.Errorf("publishableJSON(%q) = %q: not valid JSON/UTF-8", tt.in, got)
		}
	}
	for _, bad := range []string{``, `{`, `{"a":1}{"b":2}`, `{"a":1} x`, `[1,]`} {
		if got, err := publishableJSON([]byte(bad)); err == nil {
			t.Errorf("publishableJSON(%q) = %q, want an error", bad, got)
		}
	}
}

// FuzzPublishableJSON: a document re-encodes exactly when it is valid
// JSON; the result is valid JSON and valid UTF-8, and decodes to the same
// value when the input was valid UTF-8 (keys, numbers and strings kept).
func FuzzPublishableJSON(f *testing.F) {
	for _, s := range []string{`{"a":[1,2.5e3,"x"]}`, `{"nul":"\u0000","bad":"` + "\xff" + `"}`, `[`, `{}{}`,
		`"\ud800"`, ` null `, `{"a":{"b":[{},[]]},"a":1}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		out, err := publishableJSON(in)
		if (err == nil) != json.Valid(in) {
			t.Fatalf("publishableJSON(%q): err %v, json.Valid %v", in, err, json.Valid(in))
		}
		if err != nil {
			return
		}
		if !json.Valid(out) || !utf8.Valid(out) {
			t.Fatalf("publishableJSON(%q) = %q: not valid JSON and UTF-8", in, out)
		}
		if !utf8.Valid(in) {
			return
		}
		decode := func(b []byte) any {
			d := json.NewDecoder(strings.NewReader(string(b)))
			d.UseNumber()
			var v any
			if err := d.Decode(&v); err != nil {
				t.Fatalf("decode %q: %v", b, err)
			}
			return v
		}
		if a, b := decode(in), decode(out); !reflect.DeepEqual(a, b) {
			t.Fatalf("publishableJSON(%q) = %q: decodes to %v, want %v", in, out, b, a)
		}
	})
}
