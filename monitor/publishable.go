package monitor

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/nbd-wtf/go-nostr"
)

// What the monitor publishes is built from documents strangers serve. A
// 30166 that a relay (the node's own archive included) refuses is a relay
// never published as monitored, every cycle, so everything taken from a
// probe is made publishable on the way in: tag values are cleaned and
// capped (cleanTags), the content is re-encoded (publishableJSON).

// maxTagValue caps a tag value derived from a probe: far below any relay's
// limits, far above any honest NIP-11 tag, language or software name.
const maxTagValue = 256

// cleanValue makes one value publishable: invalid UTF-8 and control
// characters (C0 with NUL, DEL, C1) are dropped, surrounding space is
// trimmed, and the result is cut to maxTagValue bytes on a character
// boundary.
func cleanValue(s string) string {
	clean := true
	for _, r := range s {
		if r == utf8.RuneError || unicode.IsControl(r) {
			clean = false
			break
		}
	}
	if !clean {
		var b strings.Builder
		for i := 0; i < len(s); {
			r, size := utf8.DecodeRuneInString(s[i:])
			if !(r == utf8.RuneError && size <= 1) && !unicode.IsControl(r) {
				b.WriteString(s[i : i+size])
			}
			i += size
		}
		s = b.String()
	}
	s = strings.TrimSpace(s)
	if len(s) <= maxTagValue {
		return s
	}
	cut := maxTagValue
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return strings.TrimSpace(s[:cut])
}

// cleanTags applies cleanValue to every element of every tag but the d
// value, the relay's canonical URL (schema.RelayURL admits no control
// characters, and an address must not be cut). A tag whose value cleans
// to nothing is dropped: it would say nothing.
func cleanTags(tags nostr.Tags) nostr.Tags {
	out := tags[:0]
	for _, tag := range tags {
		if len(tag) >= 2 && tag[0] == "d" {
			out = append(out, tag)
			continue
		}
		for i, v := range tag {
			tag[i] = cleanValue(v)
		}
		if len(tag) >= 2 && tag[1] == "" {
			continue
		}
		out = append(out, tag)
	}
	return out
}

// errNotOneValue: the document is not exactly one JSON value.
var errNotOneValue = errors.New("not one JSON value")

// publishableJSON re-encodes a JSON document token by token, compact:
// keys in the order served and numbers as written, but every string as
// valid UTF-8 (the decoder turns invalid bytes and lone surrogates into
// U+FFFD) with control characters escaped. What a relay serves may hold
// raw invalid UTF-8, which json.Compact keeps and no relay stores.
func publishableJSON(raw []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	type frame struct {
		object bool
		n      int // elements so far (keys and values, in an object)
	}
	var (
		out    = make([]byte, 0, len(raw))
		stack  []frame
		values int
		str    bytes.Buffer
	)
	// Strings go through encoding/json: valid UTF-8 out whatever came in,
	// and control characters escaped; HTML characters stay as served.
	enc := json.NewEncoder(&str)
	enc.SetEscapeHTML(false)
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		if d, isDelim := tok.(json.Delim); isDelim && (d == '}' || d == ']') {
			stack = stack[:len(stack)-1]
			out = append(out, byte(d))
			continue
		}
		if len(stack) == 0 {
			if values++; values > 1 {
				return nil, errNotOneValue
			}
		} else {
			top := &stack[len(stack)-1]
			switch {
			case top.object && top.n%2 == 1:
				out = append(out, ':')
			case top.n > 0:
				out = append(out, ',')
			}
			top.n++
		}
		switch v := tok.(type) {
		case json.Delim:
			out = append(out, byte(v))
			stack = append(stack, frame{object: v == '{'})
		case string:
			str.Reset()
			if err := enc.Encode(v); err != nil {
				return nil, err
			}
			out = append(out, bytes.TrimSuffix(str.Bytes(), []byte("\n"))...)
		case json.Number:
			out = append(out, v...)
		case bool:
			out = strconv.AppendBool(out, v)
		case nil:
			out = append(out, "null"...)
		}
	}
	if values != 1 || len(stack) > 0 {
		return nil, errNotOneValue
	}
	return out, nil
}
