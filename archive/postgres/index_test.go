package postgres

import (
	"strings"
	"testing"

	"github.com/bigbrotr/bigbrotr/archive/internal/backend"
)

// The index forms: a value is held as itself exactly when it is indexable;
// otherwise by a fixed-size digest that no value held as itself can equal;
// PostgreSQL's address columns hold the same values marked differently.
func TestIndexForms(t *testing.T) {
	long := strings.Repeat("v", backend.MaxTagValue)
	for _, tt := range []struct {
		v          string
		asItself   bool // by tagIndexValue
		pgAsItself bool // by pgAddressD
	}{
		{"", true, true},
		{"plain", true, true},
		{long, true, true},
		{long + "v", false, false},
		{"nul\x00", false, false},
		{"\x00", false, false},
		{"\xc3\x28", false, false},
		{"\x01mark", true, false},
		{"mark\x01", true, true},
	} {
		got := backend.TagIndexValue(tt.v)
		if (got == tt.v) != tt.asItself {
			t.Errorf("tagIndexValue(%.20q) = %.20q", tt.v, got)
		}
		if !tt.asItself && (len(got) != 65 || got[0] != 0 || got != backend.TagIndexValue(tt.v)) {
			t.Errorf("tagIndexValue(%.20q) = %q, want NUL and 64 hex digits, stable", tt.v, got)
		}
		pg := pgAddressD(tt.v)
		if (pg == tt.v) != tt.pgAsItself {
			t.Errorf("pgAddressD(%.20q) = %.20q", tt.v, pg)
		}
		if !tt.pgAsItself && (len(pg) != 65 || pg[:1] != pgDigestMark || strings.IndexByte(pg, 0) >= 0) {
			t.Errorf("pgAddressD(%.20q) = %q, want the mark and 64 hex digits", tt.v, pg)
		}
		key := pgTagKey("t", tt.v)
		if len(key) == 34 && key[1] == 0 {
			t.Errorf("pgTagKey(t, %.20q) has the length of the hex form", tt.v)
		}
	}
	if backend.TagIndexValue("a\x00") == backend.TagIndexValue("a\x00b") {
		t.Error("two values share a digest")
	}
}
