package schema

import (
	"crypto/sha256"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

func canon(t *testing.T, v any) string {
	t.Helper()
	data, id, err := Canonical(v)
	if err != nil {
		t.Fatalf("Canonical(%#v): %v", v, err)
	}
	if id != sha256.Sum256(data) {
		t.Fatalf("id is not the SHA-256 of the data")
	}
	return string(data)
}

func TestCanonicalValues(t *testing.T) {
	type inner struct {
		Z int    `json:"z"`
		A string `json:"a,omitempty"`
	}
	type embedded struct {
		Promoted string `json:"promoted"`
		Shadowed int
	}
	type doc struct {
		embedded
		Shadowed  string             `json:"Shadowed"`
		Name      string             `json:"name"`
		Skip      string             `json:"-"`
		Count     int                `json:"count,omitempty"`
		Zero      time.Time          `json:"zero,omitzero"`
		Quoted    int64              `json:"quoted,string"`
		Ptr       *inner             `json:"ptr"`
		NilPtr    *inner             `json:"nil_ptr"`
		Raw       json.RawMessage    `json:"raw"`
		Float     float64            `json:"float"`
		NaN       float64            `json:"nan"`
		F32       float32            `json:"f32"`
		Bytes     []byte             `json:"bytes"`
		Map       map[string]any     `json:"map"`
		IntKeys   map[int]bool       `json:"int_keys"`
		Empty     []string           `json:"empty"`
		When      time.Time          `json:"when"`
		Iface     any                `json:"iface"`
		unexposed int                //nolint:unused // must not appear
		Anon      struct{ X, Y int } `json:"anon"`
	}
	d := doc{
		embedded: embedded{Promoted: "p", Shadowed: 9},
		Shadowed: "outer", Name: "n", Skip: "s", Quoted: -5,
		Ptr: &inner{Z: 1}, Raw: json.RawMessage(`{"b":[1.50,null],"a":{}}`),
		Float: 0.1, NaN: math.NaN(), F32: 0.1, Bytes: []byte("hi"),
		Map:     map[string]any{"inf": math.Inf(1), "ok": uint8(7), "nested": map[string]any{"x": nil}},
		IntKeys: map[int]bool{10: true, 2: false}, Empty: []string{},
		When: time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC), Iface: []any{json.Number("1e2"), "s"},
		unexposed: 3, Anon: struct{ X, Y int }{1, 0},
	}
	want := `{"Shadowed":"outer","anon":{"X":1,"Y":0},"bytes":"aGk=","f32":0.1,"float":0.1,` +
		`"iface":[100,"s"],"int_keys":{"10":true,"2":false},"map":{"ok":7},"name":"n","promoted":"p",` +
		`"ptr":{"z":1},"quoted":"-5","raw":{"b":[1.5]},"when":"2024-01-02T03:04:05Z"}`
	if got := canon(t, d); got != want {
		t.Errorf("struct:\ngot  %s\nwant %s", got, want)
	}

	// Without NaN, a struct and its encoding/json output agree.
	d.NaN, d.Map = 2.5, map[string]any{"k": "v"}
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	if a, b := canon(t, d), canon(t, json.RawMessage(b)); a != b {
		t.Errorf("struct and its json.Marshal output differ:\n%s\n%s", a, b)
	}
}

func TestCanonicalRules(t *testing.T) {
	cases := []struct {
		name string
		in   any
		want string
	}{
		{"keys sorted by bytes", map[string]int{"b": 1, "a": 2, "B": 3, "é": 4, "aa": 5}, `{"B":3,"a":2,"aa":5,"b":1,"é":4}`},
		{"order insensitive", json.RawMessage(`{"b":1,"a":{"d":2,"c":3}}`), `{"a":{"c":3,"d":2},"b":1}`},
		{"whitespace removed", json.RawMessage(" [ 1 ,\n\t2 ] "), `[1,2]`},
		{"nulls dropped", map[string]any{"a": nil, "b": 1}, `{"b":1}`},
		{"empties dropped recursively", json.RawMessage(`{"a":{"b":{"c":[[],{}]}},"d":[{}],"e":1}`), `{"e":1}`},
		{"falsy kept", map[string]any{"f": false, "z": 0, "s": ""}, `{"f":false,"s":"","z":0}`},
		{"non-finite dropped", []any{math.NaN(), math.Inf(1), math.Inf(-1), 1.5}, `[1.5]`},
		{"non-finite float32 dropped", []float32{float32(math.Inf(1)), 2}, `[2]`},
		{"empty root object", map[string]any{}, `{}`},
		{"root emptied", map[string]any{"a": []any{}}, `{}`},
		{"empty root array", []int{}, `[]`},
		{"nil root", nil, `null`},
		{"NaN root", math.NaN(), `null`},
		{"scalar root", "x", `"x"`},
		{"html raw", "<a href='x'>&</a>", `"<a href='x'>&</a>"`},
		{"line separators raw", "a\u2028b\u2029c", "\"a\u2028b\u2029c\""},
		{"non-ASCII raw", "Ünïcødé 🚀", `"Ünïcødé 🚀"`},
		{"short escapes", "\"\\\b\f\n\r\t/", `"\"\\\b\f\n\r\t/"`},
		{"other controls lower hex", "\x01\x1f\x0b\x7f", `"\u0001\u001f\u000b` + "\x7f\""},
		{"invalid UTF-8 replaced per byte", "a\xff\xfeb", "\"a\uFFFD\uFFFDb\""},
		{"duplicate keys: last wins", json.RawMessage(`{"a":1,"a":2}`), `{"a":2}`},
		{"escaped keys", json.RawMessage(`{"\u0061":1,"\n":2}`), `{"\n":2,"a":1}`},
		{"ints exact", []any{int64(math.MinInt64), uint64(math.MaxUint64), int8(-8)}, `[-9223372036854775808,18446744073709551615,-8]`},
		{"float64 shortest", []any{0.1, 1.0 / 3, 1e21, 1e-7, 100.0, math.Copysign(0, -1), 5e-324}, `[0.1,0.3333333333333333,1e+21,1e-7,100,0,5e-324]`},
		{"float32 shortest", []float32{0.1, 16777216}, `[0.1,16777216]`},
		{"json.Number", []json.Number{"1.10", "-0", "2E+3"}, `[1.1,0,2000]`},
		{"byte array is a list", [2]byte{1, 2}, `[1,2]`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := canon(t, c.in); got != c.want {
				t.Errorf("got %s, want %s", got, c.want)
			}
		})
	}
}

func TestCanonicalNumber(t *testing.T) {
	for in, want := range map[string]string{
		"0": "0", "-0": "0", "0.0": "0", "-0.000e5": "0", "0e999": "0",
		"1": "1", "-1": "-1", "1.0": "1", "1e0": "1", "10e-1": "1", "0.1e1": "1", "1E+2": "100", "1e-0": "1",
		"123456789012345678901": "123456789012345678901", "1234567890123456789012": "1.234567890123456789012e+21",
		"100000000000000000000": "100000000000000000000", "1000000000000000000000": "1e+21",
		"1.5": "1.5", "-1.50": "-1.5", "123.456": "123.456", "0.5": "0.5", "0.000001": "0.000001",
		"0.0000001": "1e-7", "0.00000123": "0.00000123", "0.000000123": "1.23e-7",
		"12345678901234567890.5": "12345678901234567890.5", "1.2345e25": "1.2345e+25",
		"1e400": "1e+400", "-1e-400": "-1e-400", "5e-324": "5e-324", "0.30000000000000004": "0.30000000000000004",
		"1e00000000000000000000001": "10",
	} {
		got, err := canonicalNumber(in)
		if err != nil || got != want {
			t.Errorf("canonicalNumber(%s) = %q, %v; want %q", in, got, err, want)
		}
		if again, _ := canonicalNumber(got); again != got {
			t.Errorf("canonicalNumber(%s) = %s is not a fixed point (%s)", in, got, again)
		}
	}
	for _, in := range []string{"", "-", "01", "1.", ".5", "1e", "1e+", "+1", "1x", "0x10", "NaN", "Infinity",
		"1e+-5", "--1", "1e10000001", "1e99999999999999999999"} {
		if got, err := canonicalNumber(in); err == nil {
			t.Errorf("canonicalNumber(%q) = %q, want an error", in, got)
		}
	}
}

func TestCanonicalDepth(t *testing.T) {
	nest := func(n int) any {
		var v any = 1
		for i := 0; i < n; i++ {
			v = []any{v}
		}
		return v
	}
	// n arrays put the scalar at depth n: kept up to MaxCanonicalDepth.
	want := strings.Repeat("[", MaxCanonicalDepth) + "1" + strings.Repeat("]", MaxCanonicalDepth)
	if got := canon(t, nest(MaxCanonicalDepth)); got != want {
		t.Errorf("depth %d: %s", MaxCanonicalDepth, got)
	}
	if got := canon(t, nest(MaxCanonicalDepth+1)); got != "[]" {
		t.Errorf("depth %d: %s, want []", MaxCanonicalDepth+1, got)
	}
	// A pointer cycle ends at the depth cap instead of recursing forever.
	type node struct {
		V    int   `json:"v"`
		Next *node `json:"next"`
	}
	n := &node{V: 1}
	n.Next = n
	if got := canon(t, n); strings.Count(got, `"v":1`) != MaxCanonicalDepth {
		t.Errorf("cycle: %d levels kept", strings.Count(got, `"v":1`))
	}
}

func TestCanonicalErrors(t *testing.T) {
	cases := []struct {
		name string
		in   any
		is   error
	}{
		{"NUL in string", map[string]string{"a": "x\x00y"}, ErrNullByte},
		{"NUL in key", map[string]int{"a\x00": 1}, ErrNullByte},
		{"escaped NUL in JSON", json.RawMessage(`{"a":"\u0000"}`), ErrNullByte},
		{"escaped NUL in JSON key", json.RawMessage(`{"\u0000":1}`), ErrNullByte},
		{"invalid JSON", json.RawMessage(`{"a":}`), nil},
		{"trailing data", json.RawMessage(`{"a":1} x`), nil},
		{"two values", json.RawMessage(`1 2`), nil},
		{"chan", make(chan int), nil},
		{"func in map", map[string]any{"f": func() {}}, nil},
		{"complex", complex(1, 2), nil},
		{"struct map key", map[struct{ A int }]int{{1}: 1}, nil},
		{"bad json.Number", json.Number("1.2.3"), nil},
		{"absurd exponent", json.RawMessage(`1e999999999`), nil},
		{"failing marshaler", failing{}, errBoom},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			data, _, err := Canonical(c.in)
			if err == nil {
				t.Fatalf("no error, got %s", data)
			}
			if c.is != nil && !errors.Is(err, c.is) {
				t.Errorf("error %v does not wrap %v", err, c.is)
			}
		})
	}
}

var errBoom = errors.New("boom")

type failing struct{}

func (failing) MarshalJSON() ([]byte, error) { return nil, errBoom }

// TestCanonicalSeedHashes covers the seed's metadata-hashing behaviours
// (bigbrotr-notes §9 item 43) that are not in the tables above.
func TestCanonicalSeedHashes(t *testing.T) {
	_, a, _ := Canonical(map[string]any{"x": 1, "y": []any{"a", map[string]any{"q": 1, "p": 2}}})
	_, b, _ := Canonical(json.RawMessage(`{"y":["a",{"p":2,"q":1}],"x":1}`))
	if a != b {
		t.Error("hash depends on key order")
	}
	data, id, _ := Canonical(map[string]any{"b": 2, "a": 1})
	if string(data) != `{"a":1,"b":2}` || id != sha256.Sum256([]byte(`{"a":1,"b":2}`)) {
		t.Errorf("hash is not sha256 of %s", data)
	}
	_, c, _ := Canonical(map[string]any{"x": 1, "y": []any{"a", map[string]any{"q": 1, "p": 3}}})
	if a == c {
		t.Error("different data, same hash")
	}
}

type hiddenTimes struct {
	When time.Time `json:"when"`
	Zero time.Time `json:"zero,omitzero"`
}

type hiddenNumber struct {
	N json.Number `json:"n"`
}

// Promoted fields of unexported embedded structs are reachable through
// reflection only in a read-only way; calling their MarshalJSON must still
// work, as it does in encoding/json.
func TestCanonicalEmbeddedUnexported(t *testing.T) {
	type outer struct {
		hiddenTimes
		*hiddenNumber
		X int
	}
	o := outer{hiddenTimes{When: time.Unix(0, 0).UTC()}, &hiddenNumber{N: "1.0"}, 1}
	want := `{"X":1,"n":1,"when":"1970-01-01T00:00:00Z"}`
	if got := canon(t, o); got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	b, err := json.Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	if got := canon(t, json.RawMessage(b)); got != want {
		t.Errorf("via json.Marshal: got %s, want %s", got, want)
	}
	// A nil embedded pointer contributes nothing.
	if got := canon(t, outer{X: 2}); got != `{"X":2,"when":"0001-01-01T00:00:00Z"}` {
		t.Errorf("nil embedded pointer: %s", got)
	}
}
