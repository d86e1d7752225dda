package backend

import (
	"encoding/json"
	"unicode/utf8"

	"github.com/nbd-wtf/go-nostr"
)

// appendTagsJSON appends tags as a JSON array of arrays of strings. Only
// '"', '\' and control characters are escaped: the elements are valid
// UTF-8 (newEventRow), so the result is valid JSON that PostgreSQL's JSON
// type accepts (NUL as \u0000, which its json input takes, though jsonb
// would not) and that decodes back to the same strings.
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

// parseTagsJSON decodes what appendTagsJSON wrote, several times faster
// than encoding/json (no reflection, one allocation per element) since
// every event served from PostgreSQL goes through it. Anything it does not
// expect (whitespace, other escapes, non-string elements) is handed to
// encoding/json, so any valid JSON array of arrays of strings decodes.
func ParseTagsJSON(b []byte) (nostr.Tags, error) {
	if tags, ok := parseTagsFast(b); ok {
		return tags, nil
	}
	var tags nostr.Tags
	err := json.Unmarshal(b, &tags)
	return tags, err
}

func parseTagsFast(b []byte) (nostr.Tags, bool) {
	// Stored tags are valid UTF-8; encoding/json would replace bad bytes.
	if len(b) < 2 || b[0] != '[' || !utf8.Valid(b) {
		return nil, false
	}
	tags := nostr.Tags{}
	i := 1
	if b[i] == ']' {
		return tags, i+1 == len(b)
	}
	for {
		if i >= len(b) || b[i] != '[' {
			return nil, false
		}
		i++
		tag := nostr.Tag{}
		if i < len(b) && b[i] == ']' {
			i++
		} else {
			for {
				s, n, ok := parseJSONString(b[i:])
				if !ok {
					return nil, false
				}
				tag = append(tag, s)
				i += n
				if i >= len(b) {
					return nil, false
				}
				if b[i] == ']' {
					i++
					break
				}
				if b[i] != ',' {
					return nil, false
				}
				i++
			}
		}
		tags = append(tags, tag)
		if i >= len(b) {
			return nil, false
		}
		switch b[i] {
		case ']':
			return tags, i+1 == len(b)
		case ',':
			i++
		default:
			return nil, false
		}
	}
}

// parseJSONString reads one string at the start of b and returns it and
// the bytes it took; only the escapes appendJSONString writes are known.
func parseJSONString(b []byte) (string, int, bool) {
	if len(b) == 0 || b[0] != '"' {
		return "", 0, false
	}
	end := 1
	for end < len(b) && b[end] != '"' && b[end] != '\\' && b[end] >= 0x20 {
		end++
	}
	if end < len(b) && b[end] == '"' {
		return string(b[1:end]), end + 1, true // no escapes: the common case
	}
	out := append(make([]byte, 0, end+16), b[1:end]...)
	for i := end; i < len(b); {
		switch c := b[i]; {
		case c == '"':
			return string(out), i + 1, true
		case c < 0x20:
			return "", 0, false
		case c != '\\':
			out = append(out, c)
			i++
		case i+1 >= len(b):
			return "", 0, false
		default:
			switch b[i+1] {
			case '"', '\\', '/':
				out = append(out, b[i+1])
			case 'n':
				out = append(out, '\n')
			case 't':
				out = append(out, '\t')
			case 'r':
				out = append(out, '\r')
			case 'u':
				// Only \u00XX below 0x20 (what appendJSONString writes).
				if i+5 >= len(b) || b[i+2] != '0' || b[i+3] != '0' {
					return "", 0, false
				}
				hi, lo := hexNibble[b[i+4]], hexNibble[b[i+5]]
				if hi > 1 || lo > 15 {
					return "", 0, false
				}
				out = append(out, hi<<4|lo)
				i += 6
				continue
			default:
				return "", 0, false
			}
			i += 2
		}
	}
	return "", 0, false
}
