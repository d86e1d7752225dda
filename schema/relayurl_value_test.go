package schema

import (
	"errors"
	"testing"
)

func TestRelayURLValueScan(t *testing.T) {
	for _, c := range []struct {
		name string
		src  any
		want string
		err  error
	}{
		{"string", "wss://relay.example.com", "wss://relay.example.com", nil},
		{"bytes", []byte("ws://abcdefghijklmnop.onion/x"), "ws://abcdefghijklmnop.onion/x", nil},
		{"null", nil, "", nil},
		{"empty", "", "", nil},
		{"not canonical", "wss://Relay.Example.com/", "", ErrNotCanonical},
		{"not a relay", "https://relay.example.com", "", ErrInvalidScheme},
		{"wrong type", int64(7), "", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			u := MustRelayURL("wss://previous.example.com")
			err := u.Scan(c.src)
			switch {
			case c.name == "wrong type":
				if err == nil {
					t.Fatalf("Scan(%v) accepted a %T", c.src, c.src)
				}
				return
			case !errors.Is(err, c.err):
				t.Fatalf("Scan(%q) err = %v, want %v", c.src, err, c.err)
			case err == nil && u.String() != c.want:
				t.Fatalf("Scan(%q) = %q, want %q", c.src, u, c.want)
			}
			if err != nil {
				return
			}
			v, err := u.Value()
			if err != nil || v != c.want {
				t.Errorf("Value() = %v, %v; want %q (what Scan read)", v, err, c.want)
			}
		})
	}
}

func TestRelayURLCompare(t *testing.T) {
	a, b := MustRelayURL("wss://a.example.com"), MustRelayURL("wss://b.example.com")
	if a.Compare(b) >= 0 || b.Compare(a) <= 0 || a.Compare(a) != 0 || (RelayURL{}).Compare(a) >= 0 {
		t.Errorf("Compare does not order by canonical form")
	}
}
