package probe

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bigbrotr/bigbrotr/schema"
)

var update = flag.Bool("update", false, "rewrite the golden files of testdata/nip11")

// TestNIP11Golden parses every testdata/nip11/*.json (documents with the
// quirks real relays serve) and compares the canonical form of the result
// with the .golden file beside it.
func TestNIP11Golden(t *testing.T) {
	inputs, err := filepath.Glob(filepath.Join("testdata", "nip11", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(inputs) < 15 {
		t.Fatalf("%d golden inputs, want at least 15", len(inputs))
	}
	for _, in := range inputs {
		name := strings.TrimSuffix(filepath.Base(in), ".json")
		t.Run(name, func(t *testing.T) {
			body, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			var got []byte
			info, err := ParseNIP11(body)
			if err != nil {
				got = []byte("error: " + err.Error())
			} else if got, _, err = schema.Canonical(info); err != nil {
				t.Fatalf("canonical: %v", err)
			}
			got = append(got, '\n')
			golden := strings.TrimSuffix(in, ".json") + ".golden"
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -run TestNIP11Golden -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("parse of %s\n got %s\nwant %s", in, got, want)
			}
		})
	}
}

// TestParseNIP11Rules pins the typing rules one by one.
func TestParseNIP11Rules(t *testing.T) {
	info, err := ParseNIP11([]byte(`{"supported_nips":[11,"1",true,1.5,"x",1],` +
		`"limitation":{"auth_required":1,"payment_required":true,"max_limit":16384.0,"max_subscriptions":"5","min_pow_difficulty":0},` +
		`"self":"abc","retention":[{"kinds":[1,[2,3],[4,5,6]],"time":0}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if !equalInts(info.SupportedNIPs, []int{1, 11}) {
		t.Errorf("supported_nips %v", info.SupportedNIPs)
	}
	l := info.Limitation
	switch {
	case l.AuthRequired != nil:
		t.Error("an int taken as a bool")
	case l.PaymentRequired == nil || !*l.PaymentRequired || !info.PaymentRequired():
		t.Error("payment_required lost")
	case l.MaxLimit == nil || *l.MaxLimit != 16384:
		t.Error("integral float refused")
	case l.MaxSubscriptions != nil:
		t.Error("a string taken as an int")
	case l.MinPowDifficulty == nil || *l.MinPowDifficulty != 0 || info.MinPoW() != 0:
		t.Error("zero is data and must stay")
	case info.Self != "abc":
		t.Error("self lost")
	case len(info.Retention) != 1 || len(info.Retention[0].Kinds) != 2 || info.Retention[0].Time == nil:
		t.Errorf("retention %+v", info.Retention)
	}
	if info.AuthRequired() || info.RestrictedWrites() || !info.Supports(11) || info.Supports(42) {
		t.Error("accessors")
	}
	var none *NIP11Info
	if none.AuthRequired() || none.Supports(1) || none.MinPoW() != 0 {
		t.Error("nil accessors")
	}
	for body, want := range map[string]error{
		``: ErrInvalidJSON, `{`: ErrInvalidJSON, `{} {}`: ErrInvalidJSON, `nul`: ErrInvalidJSON,
		`[]`: ErrNotObject, `"x"`: ErrNotObject, `null`: ErrNotObject, `1`: ErrNotObject, `true`: ErrNotObject,
	} {
		if _, err := ParseNIP11([]byte(body)); !errors.Is(err, want) {
			t.Errorf("ParseNIP11(%q) = %v, want %v", body, err, want)
		}
	}
}

// FuzzParseNIP11: never panics; every parse result can be stored
// (schema.Canonical accepts it) and is a fixed point: the JSON of the
// result parses back to the same canonical form.
func FuzzParseNIP11(f *testing.F) {
	inputs, _ := filepath.Glob(filepath.Join("testdata", "nip11", "*.json"))
	for _, in := range inputs {
		b, _ := os.ReadFile(in)
		f.Add(b)
	}
	f.Add([]byte(`{"supported_nips":["1",1e400,-0,"-1"],"limitation":{"max_limit":-1e-400}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		info, err := ParseNIP11(body)
		if err != nil {
			if !errors.Is(err, ErrInvalidJSON) && !errors.Is(err, ErrNotObject) {
				t.Fatalf("unexpected error kind: %v", err)
			}
			return
		}
		first, _, err := schema.Canonical(info)
		if err != nil {
			t.Fatalf("canonical: %v", err)
		}
		again, err := ParseNIP11(mustJSON(t, info))
		if err != nil {
			t.Fatalf("reparse: %v", err)
		}
		second, _, err := schema.Canonical(again)
		if err != nil || !bytes.Equal(first, second) {
			t.Fatalf("not a fixed point:\n%s\n%s", first, second)
		}
	})
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
