package probe

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// errNotRelayMessage: a message no relay sends. Either not JSON, or a
// client's message (REQ, CLOSE, EVENT without a subscription, AUTH with an
// event, NEG-OPEN: what an echo server sends back), or a known label with
// the wrong shape. Unknown labels are not errors: relays extend the
// protocol, and a probe must tolerate what it does not understand.
var errNotRelayMessage = errors.New("not a relay-to-client message")

// relayMsg is one relay-to-client message of NIP-01, NIP-42, NIP-45 or
// NIP-77, read strictly: every position must have its JSON type.
type relayMsg struct {
	Label   string
	SubID   string          // EVENT, EOSE, CLOSED, COUNT, NEG-MSG, NEG-ERR
	EventID string          // OK
	OK      bool            // OK
	Text    string          // OK/CLOSED/NOTICE message, AUTH challenge, NEG-MSG hex, NEG-ERR reason
	Event   json.RawMessage // EVENT
	Count   int64           // COUNT
	Known   bool            // a label this parser understands
}

// parseRelayMessage parses one WebSocket text message.
func parseRelayMessage(b []byte) (relayMsg, error) {
	var arr []json.RawMessage
	if err := json.Unmarshal(b, &arr); err != nil {
		return relayMsg{}, fmt.Errorf("%w: %v", errNotRelayMessage, err)
	}
	if len(arr) == 0 {
		return relayMsg{}, fmt.Errorf("%w: empty array", errNotRelayMessage)
	}
	var m relayMsg
	if err := json.Unmarshal(arr[0], &m.Label); err != nil {
		return relayMsg{}, fmt.Errorf("%w: label is not a string", errNotRelayMessage)
	}
	bad := func(why string) (relayMsg, error) {
		return relayMsg{Label: m.Label}, fmt.Errorf("%w: %s %s", errNotRelayMessage, m.Label, why)
	}
	str := func(i int, dst *string) bool {
		return i < len(arr) && json.Unmarshal(arr[i], dst) == nil && isJSONString(arr[i])
	}
	m.Known = true
	switch m.Label {
	case "EVENT":
		if len(arr) != 3 || !str(1, &m.SubID) || !isJSONObject(arr[2]) {
			return bad("without a subscription id and an event")
		}
		m.Event = arr[2]
	case "EOSE":
		if !str(1, &m.SubID) {
			return bad("without a subscription id")
		}
	case "OK":
		if len(arr) < 3 || !str(1, &m.EventID) || json.Unmarshal(arr[2], &m.OK) != nil || !isJSONBool(arr[2]) {
			return bad("without an event id and a boolean")
		}
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

func isJSONString(b json.RawMessage) bool { return len(b) > 0 && b[0] == '"' }
func isJSONObject(b json.RawMessage) bool { return len(b) > 0 && b[0] == '{' }
func isJSONBool(b json.RawMessage) bool {
	return bytes.Equal(b, []byte("true")) || bytes.Equal(b, []byte("false"))
}
