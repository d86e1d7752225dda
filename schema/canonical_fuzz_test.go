package schema

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// FuzzCanonical feeds arbitrary bytes as JSON text: Canonical never
// panics, and whatever it accepts comes out as valid JSON that is its own
// canonical form (same bytes, same id).
func FuzzCanonical(f *testing.F) {
	inputs, _ := filepath.Glob("testdata/canonical/*.json")
	for _, in := range inputs {
		if b, err := os.ReadFile(in); err == nil {
			f.Add(b)
		}
	}
	for _, s := range []string{
		`{}`, `[]`, `null`, `1`, `-0.0e-0`, `"\u2028\u0000"`, `{"a":{"b":[null,{}]}}`, `[1e999999,1E-7]`,
		`{"b":1,"a":2,"a":3}`, `"\ud800"`, "\"\xff\"", `123456789012345678901234567890.000`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		data, id, err := Canonical(json.RawMessage(in))
		if err != nil {
			return
		}
		if !json.Valid(data) {
			t.Fatalf("%q -> invalid JSON %q", in, data)
		}
		again, id2, err := Canonical(json.RawMessage(data))
		if err != nil || string(again) != string(data) || id2 != id {
			t.Fatalf("not a fixed point: %q -> %q -> %q (%v)", in, data, again, err)
		}
	})
}
