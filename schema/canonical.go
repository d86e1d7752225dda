package schema

import (
	"crypto/sha256"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// Canonical returns the canonical JSON form of v and its content address,
// the SHA-256 of those bytes. Metadata snapshots (NIP-11 documents, NIP-66
// check results) are stored once per distinct content under that id, so
// the form must not depend on key order, spacing, number spelling or
// anything else that does not change the data.
//
// v is anything encoding/json can marshal: a struct (tags, omitempty,
// omitzero, ",string", embedded structs and Marshaler/TextMarshaler types
// are honoured as encoding/json does), a map, a slice, or JSON text as
// json.RawMessage. The canonical form is defined here, not by any library:
//
//  1. Sanitize, recursively: drop nulls, NaN and ±Inf, and every object
//     member or array element that is an empty object or array once its
//     own content is sanitized; drop whatever lies deeper than
//     MaxCanonicalDepth (the root is depth 0). false, 0 and "" are data and
//     stay. The root itself is never dropped: it renders as {}, [] or null.
//     A NUL in a string or key is an error (wrapping ErrNullByte), as are
//     invalid JSON text, types JSON cannot hold (chan, func, complex) and
//     unsupported map keys. Invalid UTF-8 becomes U+FFFD per bad byte, as
//     in encoding/json. With duplicate keys in JSON text the last one wins.
//  2. Objects: members sorted by key in byte order of the UTF-8 key (Go's
//     string order), each key once.
//  3. No whitespace outside strings.
//  4. Strings: raw UTF-8, U+2028, U+2029 and "<>&" included; only '"' and
//     '\' are escaped as \" and \\, the control characters U+0008, U+0009,
//     U+000A, U+000C and U+000D as \b \t \n \f \r, and the other control
//     characters below U+0020 as \u00xx with lower-case hex. DEL is raw.
//  5. Numbers: the exact decimal value of the literal (integers of any
//     size stay exact; nothing goes through a float64), with the sign
//     dropped from zero and written as ECMAScript writes a number (the
//     RFC 8785 rule), except that all significant digits are kept. With
//     the significant digits d1...dk (no leading or trailing zeros) and
//     value 0.d1...dk × 10^n:
//     k <= n <= 21 gives the integer d1...dk followed by n-k zeros;
//     0 < n <= 21 gives d1...dn.dn+1...dk;
//     -6 < n <= 0 gives 0. followed by -n zeros and d1...dk;
//     anything else gives d1[.d2...dk]e±(n-1).
//     So 1.0, 1e0 and 10e-1 are all 1; 1e21 is 1e+21; 0.0000001 is 1e-7.
//     Go floats are first written with the fewest digits that read back
//     to the same float64 (float32 for a float32), as encoding/json does.
//     A literal whose decimal exponent exceeds ±1,000,000 is an error.
//
// The form is a fixed point: Canonical of json.RawMessage(data) returns
// data again.
func Canonical(v any) (data []byte, id [32]byte, err error) {
	tree, err := sanitize(reflect.ValueOf(v), 0)
	if err != nil {
		return nil, id, err
	}
	var b strings.Builder
	writeCanonical(&b, tree)
	data = []byte(b.String())
	return data, sha256.Sum256(data), nil
}

func writeCanonical(b *strings.Builder, x any) {
	switch c := x.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		b.WriteString(strconv.FormatBool(c))
	case number:
		b.WriteString(string(c))
	case string:
		writeString(b, c)
	case []any:
		b.WriteByte('[')
		for i, e := range c {
			if i > 0 {
				b.WriteByte(',')
			}
			writeCanonical(b, e)
		}
		b.WriteByte(']')
	case map[string]any:
		keys := make([]string, 0, len(c))
		for k := range c {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteByte(',')
			}
			writeString(b, k)
			b.WriteByte(':')
			writeCanonical(b, c[k])
		}
		b.WriteByte('}')
	}
}

const hexDigits = "0123456789abcdef"

// writeString writes s (valid UTF-8 without NUL: sanitize ensured both)
// with the minimal escapes of rule 4.
func writeString(b *strings.Builder, s string) {
	b.WriteByte('"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		b.WriteString(s[start:i])
		switch c {
		case '"', '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '\b':
			b.WriteString(`\b`)
		case '\t':
			b.WriteString(`\t`)
		case '\n':
			b.WriteString(`\n`)
		case '\f':
			b.WriteString(`\f`)
		case '\r':
			b.WriteString(`\r`)
		default:
			b.WriteString(`\u00`)
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&0xf])
		}
		start = i + 1
	}
	b.WriteString(s[start:])
	b.WriteByte('"')
}
