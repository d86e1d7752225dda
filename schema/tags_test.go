package schema

import "testing"

func TestIndexedTagName(t *testing.T) {
	for _, c := range []struct {
		name string
		want bool
	}{
		{"e", true}, {"p", true}, {"t", true}, {"R", true}, {"Z", true}, {"a", true},
		{"", false}, {"ee", false}, {"client", false}, {"1", false}, {"-", false},
		{"@", false}, {"[", false}, {"`", false}, {"{", false}, // the bytes around the letters
		{"\x00", false}, {"é", false}, {"\xc3", false},
	} {
		if got := IndexedTagName(c.name); got != c.want {
			t.Errorf("IndexedTagName(%q) = %v, want %v", c.name, got, c.want)
		}
	}
}
