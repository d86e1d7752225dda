package relayclient

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/nbd-wtf/go-nostr"
)

// ErrNotRelayMessage: a frame no relay sends. Either not JSON, or a client's
// message (REQ, CLOSE, NEG-OPEN: what an echo server sends back), or a known
// label with the wrong shape. Unknown labels are not errors: relays extend
// the protocol, and a client must tolerate what it does not understand.
var ErrNotRelayMessage = errors.New("not a relay-to-client message")

// Message is one relay-to-client message of NIP-01, NIP-42, NIP-45 or
// NIP-77.
type Message struct {
	Label   string
	SubID   string // EVENT, EOSE, CLOSED, COUNT, NEG-MSG, NEG-ERR
	EventID string // OK
	OK      bool   // OK
	// Text is the OK/CLOSED/NOTICE message, the AUTH challenge, the
	// NEG-MSG payload or the NEG-ERR reason.
	Text string
	// Event is the EVENT's event, nil when it did not decode (the frame
	// still counts against the request, and the caller counts it as
	// malformed).
	Event *nostr.Event
	Size  int      // EVENT: bytes of the event's JSON
	Count int64    // COUNT
	Hints []string // EOSE: NIP-67 hints ("finish", "more")
	Known bool     // a label this parser understands
}

// Parse parses one WebSocket text frame. The message never aliases b. A
// frame that is not a relay message gives ErrNotRelayMessage, with Label set
// when the frame had one (an echoed REQ is told apart that way).
func Parse(b []byte) (Message, error) {
	if m, ok := parseEventFrame(b); ok {
		return m, nil
	}
	return parseFrame(b)
}

func parseFrame(b []byte) (Message, error) {
	var arr []json.RawMessage
	if err := json.Unmarshal(b, &arr); err != nil {
		return Message{}, fmt.Errorf("%w: %v", ErrNotRelayMessage, err)
	}
	if len(arr) == 0 {
		return Message{}, fmt.Errorf("%w: empty array", ErrNotRelayMessage)
	}
	var m Message
	if err := json.Unmarshal(arr[0], &m.Label); err != nil {
		return Message{}, fmt.Errorf("%w: label is not a string", ErrNotRelayMessage)
	}
	bad := func(why string) (Message, error) {
		return Message{Label: m.Label}, fmt.Errorf("%w: %s %s", ErrNotRelayMessage, m.Label, why)
	}
	str := func(i int, dst *string) bool {
		return i < len(arr) && isJSONString(arr[i]) && json.Unmarshal(arr[i], dst) == nil
	}
	m.Known = true
	switch m.Label {
	case "EVENT":
		if len(arr) != 3 || !str(1, &m.SubID) || !isJSONObject(arr[2]) {
			return bad("without a subscription id and an event")
		}
		m.Size = len(arr[2])
		ev := &nostr.Event{}
		if ev.UnmarshalJSON(arr[2]) == nil {
			m.Event = ev
		}
	case "EOSE":
		if !str(1, &m.SubID) {
			return bad("without a subscription id")
		}
		if len(arr) > 2 {
			// Unknown hints and malformed third elements are ignored, as
			// NIP-67 requires of clients.
			_ = json.Unmarshal(arr[2], &m.Hints)
		}
	case "OK":
		if len(arr) < 3 || !str(1, &m.EventID) || !isJSONBool(arr[2]) {
			return bad("without an event id and a boolean")
		}
		m.OK = string(arr[2]) == "true"
		if len(arr) > 3 && !str(3, &m.Text) {
			return bad("with a message that is not a string")
		}
	case "CLOSED":
		if !str(1, &m.SubID) || (len(arr) > 2 && !str(2, &m.Text)) {
			return bad("without a subscription id and a message")
		}
	case "NOTICE":
		if !str(1, &m.Text) {
			return bad("without a message")
		}
	case "AUTH":
		if !str(1, &m.Text) {
			return bad("without a challenge")
		}
	case "COUNT":
		var body struct {
			Count *json.Number `json:"count"`
		}
		if len(arr) < 3 || !str(1, &m.SubID) || !isJSONObject(arr[2]) || json.Unmarshal(arr[2], &body) != nil || body.Count == nil {
			return bad("without a subscription id and a count")
		}
		n, err := body.Count.Int64()
		if err != nil || n < 0 {
			return bad("with a count that is not a non-negative integer")
		}
		m.Count = n
	case "NEG-MSG", "NEG-ERR", "NEG-ERROR":
		if !str(1, &m.SubID) || !str(2, &m.Text) {
			return bad("without a subscription id and a string")
		}
		if m.Label == "NEG-ERROR" { // go-nostr and khatru spell NIP-77's NEG-ERR so
			m.Label = "NEG-ERR"
		}
	case "REQ", "CLOSE", "NEG-OPEN", "NEG-CLOSE":
		return bad("is a client message")
	default:
		m.Known = false
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
func parseEventFrame(b []byte) (Message, bool) {
	rest, ok := bytes.CutPrefix(b, eventPrefix)
	if !ok {
		return Message{}, false
	}
	end := bytes.IndexByte(rest, '"')
	if end < 0 || bytes.IndexByte(rest[:end], '\\') >= 0 || !printable(rest[:end]) {
		return Message{}, false
	}
	sub := rest[:end]
	raw, ok := bytes.CutPrefix(bytes.TrimLeft(rest[end+1:], jsonSpace), []byte(","))
	if !ok {
		return Message{}, false
	}
	raw, ok = bytes.CutSuffix(bytes.TrimRight(raw, jsonSpace), []byte("]"))
	raw = bytes.Trim(raw, jsonSpace)
	if !ok || len(raw) < 2 || raw[0] != '{' || raw[len(raw)-1] != '}' {
		return Message{}, false
	}
	ev := &nostr.Event{}
	if err := ev.UnmarshalJSON(raw); err != nil {
		return Message{}, false
	}
	return Message{Label: "EVENT", SubID: string(sub), Event: ev, Size: len(raw), Known: true}, true
}

// printable: the subscription id holds no control bytes (which JSON
// refuses inside a string) and is valid UTF-8 (which JSON would have
// replaced); the general path judges the other frames.
func printable(b []byte) bool {
	for _, c := range b {
		if c < 0x20 {
			return false
		}
	}
	return utf8.Valid(b)
}

const jsonSpace = " \t\r\n"

func isJSONString(b json.RawMessage) bool { return len(b) > 0 && b[0] == '"' }
func isJSONObject(b json.RawMessage) bool { return len(b) > 0 && b[0] == '{' }
func isJSONBool(b json.RawMessage) bool {
	return bytes.Equal(b, []byte("true")) || bytes.Equal(b, []byte("false"))
}

// HasHint reports whether an EOSE carried the NIP-67 hint h.
func (m Message) HasHint(h string) bool {
	for _, x := range m.Hints {
		if x == h {
			return true
		}
	}
	return false
}

// Prefix is the machine-readable prefix of a CLOSED/OK/NEG-ERR reason
// ("auth-required", "rate-limited", ...), lower case, "" without one.
func Prefix(reason string) string {
	p, _, ok := strings.Cut(reason, ":")
	if !ok {
		return ""
	}
	return strings.ToLower(strings.TrimSpace(p))
}
