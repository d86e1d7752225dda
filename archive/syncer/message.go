package syncer

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/nbd-wtf/go-nostr"
)

// message is one relay-to-client message, parsed only as far as the
// synchronizer needs. It is parsed here rather than by go-nostr's
// envelope parser, which drops the NIP-67 hints of EOSE and knows
// neither NEG-ERR nor NEG-MSG.
type message struct {
	label string
	sub   string       // EVENT, EOSE, CLOSED, NEG-*; the event id for OK
	event *nostr.Event // EVENT
	size  int          // EVENT: bytes of the event's JSON
	text  string       // CLOSED/NOTICE/OK reason, AUTH challenge, NEG-MSG payload
	ok    bool         // OK
	hints []string     // EOSE: NIP-67 hints ("finish", "more")
}

var errBadMessage = errors.New("not a nostr message")

// parseMessage parses one text frame. An EVENT whose event does not decode
// still yields the label and subscription, with a nil event, so that the
// caller can count it as invalid and carry on. The message never aliases b.
func parseMessage(b []byte) (message, error) {
	if m, ok := parseEventFrame(b); ok {
		return m, nil
	}
	return parseFrame(b)
}

// parseFrame is the general path of parseMessage.
func parseFrame(b []byte) (message, error) {
	var arr []json.RawMessage
	if err := json.Unmarshal(b, &arr); err != nil || len(arr) == 0 {
		return message{}, fmt.Errorf("%w: %s", errBadMessage, snippet(b))
	}
	var m message
	if err := json.Unmarshal(arr[0], &m.label); err != nil {
		return message{}, fmt.Errorf("%w: label: %s", errBadMessage, snippet(b))
	}
	str := func(i int) string {
		var s string
		if i < len(arr) {
			_ = json.Unmarshal(arr[i], &s)
		}
		return s
	}
	switch m.label {
	case "EVENT":
		if len(arr) != 3 {
			return message{}, fmt.Errorf("%w: EVENT with %d elements", errBadMessage, len(arr))
		}
		m.sub = str(1)
		m.size = len(arr[2])
		ev := &nostr.Event{}
		if err := json.Unmarshal(arr[2], ev); err == nil {
			m.event = ev
		}
	case "EOSE":
		m.sub = str(1)
		if len(arr) > 2 {
			// Unknown hints and malformed third elements are ignored, as
			// NIP-67 requires of clients.
			_ = json.Unmarshal(arr[2], &m.hints)
		}
	case "CLOSED", "NEG-MSG", "NEG-ERR", "NEG-ERROR":
		m.sub, m.text = str(1), str(2)
		if m.label == "NEG-ERROR" { // go-nostr's spelling, used by khatru
			m.label = "NEG-ERR"
		}
	case "NOTICE", "AUTH":
		m.text = str(1)
	case "OK":
		m.sub, m.text = str(1), str(3)
		if len(arr) > 2 {
			_ = json.Unmarshal(arr[2], &m.ok)
		}
	default:
		// COUNT and anything newer: the caller ignores labels it does not use.
	}
	return m, nil
}

// eventPrefix starts an EVENT frame as relays write it.
var eventPrefix = []byte(`["EVENT","`)

// parseEventFrame decodes the frame nearly every message of a sync is,
// ["EVENT","<sub>",{...}] with a plain subscription id, in one pass: the
// event's decoder validates as it goes, where decoding the array first
// scanned the frame twice more and cost as much as the rest of the
// message's handling. Anything else, an event that does not decode
// included, reports false and takes the general path.
func parseEventFrame(b []byte) (message, bool) {
	rest, ok := bytes.CutPrefix(b, eventPrefix)
	if !ok {
		return message{}, false
	}
	end := bytes.IndexByte(rest, '"')
	if end < 0 || bytes.IndexByte(rest[:end], '\\') >= 0 {
		return message{}, false
	}
	sub := rest[:end]
	raw, ok := bytes.CutPrefix(bytes.TrimLeft(rest[end+1:], jsonSpace), []byte(","))
	if !ok {
		return message{}, false
	}
	raw, ok = bytes.CutSuffix(bytes.TrimRight(raw, jsonSpace), []byte("]"))
	raw = bytes.Trim(raw, jsonSpace)
	if !ok || len(raw) < 2 || raw[0] != '{' || raw[len(raw)-1] != '}' {
		return message{}, false
	}
	ev := &nostr.Event{}
	if err := ev.UnmarshalJSON(raw); err != nil {
		return message{}, false
	}
	return message{label: "EVENT", sub: string(sub), event: ev, size: len(raw)}, true
}

const jsonSpace = " \t\r\n"

// hasHint reports whether an EOSE carried the NIP-67 hint h.
func (m message) hasHint(h string) bool {
	for _, x := range m.hints {
		if x == h {
			return true
		}
	}
	return false
}

// prefix is the machine-readable prefix of a CLOSED/OK/NEG-ERR reason.
func prefix(reason string) string {
	p, _, ok := strings.Cut(reason, ":")
	if !ok {
		return ""
	}
	return strings.ToLower(strings.TrimSpace(p))
}

// snippet keeps error messages short when a relay sends something large.
func snippet(b []byte) string {
	const n = 80
	if len(b) > n {
		return string(b[:n]) + "..."
	}
	return string(b)
}
