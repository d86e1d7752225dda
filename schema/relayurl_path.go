package schema

import (
	"net/url"
	"strings"
)

// normalizePath canonicalizes a raw path (query and fragment already cut)
// or returns "" when it is empty or has to be dropped:
//
//  1. percent-encodings of unreserved characters are decoded and the rest
//     upper-cased (RFC 3986 6.2.2), so "%7E" and "~" are one spelling;
//  2. empty segments ("//" runs, a trailing "/") go, and "." and ".."
//     are resolved (RFC 3986 5.2.4; ".." above the root stays at the root);
//  3. every remaining segment, percent-decoded, must be made of
//     [A-Za-z0-9-._~:] and start and end with a letter or digit, or the
//     whole path is dropped. That refuses control characters, spaces,
//     non-ASCII and embedded URLs ("/wss://other") in one rule.
//
// The result keeps the percent-encodings step 1 left (only "%3A" can pass
// step 3), so it is a fixed point: normalizing it again changes nothing.
func normalizePath(p string) string {
	if p == "" || p == "/" {
		return ""
	}
	p, ok := normalizePercent(p)
	if !ok {
		return ""
	}
	var segs []string
	for _, s := range strings.Split(p, "/") {
		switch s {
		case "", ".":
		case "..":
			if len(segs) > 0 {
				segs = segs[:len(segs)-1]
			}
		default:
			segs = append(segs, s)
		}
	}
	if len(segs) == 0 {
		return ""
	}
	for _, s := range segs {
		if !validSegment(s) {
			return ""
		}
	}
	return "/" + strings.Join(segs, "/")
}

func validSegment(s string) bool {
	d, err := url.PathUnescape(s)
	if err != nil || d == "" || !isAlnum(d[0]) || !isAlnum(d[len(d)-1]) {
		return false
	}
	for i := 0; i < len(d); i++ {
		c := d[i]
		if !isAlnum(c) && c != '-' && c != '.' && c != '_' && c != '~' && c != ':' {
			return false
		}
	}
	return true
}

// normalizePercent decodes %XX of unreserved characters and upper-cases the
// hex of the others; ok is false on a malformed escape.
func normalizePercent(p string) (string, bool) {
	if strings.IndexByte(p, '%') < 0 {
		return p, true
	}
	var b strings.Builder
	b.Grow(len(p))
	for i := 0; i < len(p); i++ {
		if p[i] != '%' {
			b.WriteByte(p[i])
			continue
		}
		if i+2 >= len(p) || !isHex(p[i+1]) || !isHex(p[i+2]) {
			return "", false
		}
		c := unhex(p[i+1])<<4 | unhex(p[i+2])
		if isAlnum(c) || c == '-' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
		} else {
			b.WriteByte('%')
			b.WriteString(strings.ToUpper(p[i+1 : i+3]))
		}
		i += 2
	}
	return b.String(), true
}

func isAlnum(c byte) bool { return isASCIIAlpha(c) || isASCIIDigit(c) }

func isHex(c byte) bool { return isASCIIDigit(c) || (c|0x20 >= 'a' && c|0x20 <= 'f') }

func unhex(c byte) byte {
	if isASCIIDigit(c) {
		return c - '0'
	}
	return (c | 0x20) - 'a' + 10
}
