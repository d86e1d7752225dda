package postgres

import (
	"strings"
	"testing"

	"github.com/bigbrotr/bigbrotr/archive/internal/backend"
)

// PostgreSQL's address form: a d value is held as itself unless it is not
// indexable or starts with the digest mark; otherwise by the mark and a
// fixed-size digest, so no value held as itself can equal a digest.
func TestAddressForms(t *testing.T) {
	long := strings.Repeat("v", backend.MaxTagValue)
	for _, tt := range []struct {
		v        string
		asItself bool
	}{
		{"", true},
		{"plain", true},
		{long, true},
		{long + "v", false},
		{"nul\x00", false},
		{"\x00", false},
		{"\xc3\x28", false},
		{"\x01mark", false},
		{"mark\x01", true},
	} {
		pg := pgAddressD(tt.v)
		if (pg == tt.v) != tt.asItself {
			t.Errorf("pgAddressD(%.20q) = %.20q", tt.v, pg)
		}
		if !tt.asItself && (len(pg) != 65 || pg[:1] != pgDigestMark || strings.IndexByte(pg, 0) >= 0) {
			t.Errorf("pgAddressD(%.20q) = %q, want the mark and 64 hex digits", tt.v, pg)
		}
		key := pgTagKey("t", tt.v)
		if len(key) == 34 && key[1] == 0 {
			t.Errorf("pgTagKey(t, %.20q) has the length of the hex form", tt.v)
		}
	}
}
