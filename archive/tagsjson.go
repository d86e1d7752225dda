package archive

import "github.com/nbd-wtf/go-nostr"

// appendTagsJSON appends tags as a JSON array of arrays of strings. Only
// '"', '\' and control characters are escaped: the elements are valid
// UTF-8 without NUL (validTagElement), so the result is valid JSON that
// PostgreSQL jsonb accepts and that decodes back to the same strings.
// Unlike encoding/json it leaves <, > and & alone and cannot fail.
func appendTagsJSON(b []byte, tags nostr.Tags) []byte {
	if b == nil {
		n := 2
		for _, t := range tags {
			n += 3
			for _, v := range t {
				n += len(v) + 3
			}
		}
		b = make([]byte, 0, n)
	}
	b = append(b, '[')
	for i, t := range tags {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '[')
		for j, v := range t {
			if j > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, v)
		}
		b = append(b, ']')
	}
	return append(b, ']')
}

func appendJSONString(b []byte, s string) []byte {
	const hexDigits = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c == '\n':
			b = append(b, '\\', 'n')
		case c == '\t':
			b = append(b, '\\', 't')
		case c == '\r':
			b = append(b, '\\', 'r')
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}
