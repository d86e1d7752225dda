package schema

import (
	"database/sql/driver"
	"fmt"
	"strings"
)

// Value stores the canonical form (database/sql and pgx): a relay URL is
// TEXT in every backend. The zero value stores "", which the stores read
// as "no relay" (a Sighting of an event written to the node directly).
func (u RelayURL) Value() (driver.Value, error) { return u.s, nil }

// Scan reads a stored URL with ParseCanonicalRelayURL: the stores only
// ever write canonical forms, so anything else is drift (a row written by
// hand, or by a build whose normalizer differed) and is reported, never
// silently re-spelled into a second row. Private hosts are admitted: the
// store holds them only when the node ran with allow_private, and the
// dialer's guard still refuses them whenever that is off. NULL and "" give
// the zero value.
func (u *RelayURL) Scan(src any) error {
	var s string
	switch v := src.(type) {
	case nil:
		*u = RelayURL{}
		return nil
	case string:
		s = v
	case []byte:
		s = string(v)
	default:
		return fmt.Errorf("relay url: cannot scan %T", src)
	}
	if s == "" {
		*u = RelayURL{}
		return nil
	}
	v, err := ParseCanonicalRelayURLWith(s, ParseOptions{AllowPrivate: true})
	if err != nil {
		return fmt.Errorf("stored relay url: %w", err)
	}
	*u = v
	return nil
}

// Compare orders relay URLs by their canonical forms (-1, 0, +1), for
// slices.SortFunc and deterministic output.
func (u RelayURL) Compare(v RelayURL) int { return strings.Compare(u.s, v.s) }
