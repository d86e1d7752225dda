package probe

import (
	"errors"
	"reflect"
	"testing"
)

func TestParseRelayMessage(t *testing.T) {
	tests := []struct {
		in   string
		want relayMsg // Known is checked; zero Label means an error is wanted
	}{
		{`["EVENT","s",{"id":"x"}]`, relayMsg{Label: "EVENT", SubID: "s", Known: true}},
		{`["EOSE","s"]`, relayMsg{Label: "EOSE", SubID: "s", Known: true}},
		{`["EOSE","s",["finish"]]`, relayMsg{Label: "EOSE", SubID: "s", Known: true}},
		{`["OK","id",true,""]`, relayMsg{Label: "OK", EventID: "id", OK: true, Known: true}},
		{`["OK","id",false,"blocked: no"]`, relayMsg{Label: "OK", EventID: "id", Text: "blocked: no", Known: true}},
		{`["OK","id",false]`, relayMsg{Label: "OK", EventID: "id", Known: true}},
		{`["CLOSED","s","auth-required: x"]`, relayMsg{Label: "CLOSED", SubID: "s", Text: "auth-required: x", Known: true}},
		{`["CLOSED","s"]`, relayMsg{Label: "CLOSED", SubID: "s", Known: true}},
		{`["NOTICE","hello"]`, relayMsg{Label: "NOTICE", Text: "hello", Known: true}},
		{`["AUTH","challenge"]`, relayMsg{Label: "AUTH", Text: "challenge", Known: true}},
		{`["COUNT","q",{"count":42,"approximate":true}]`, relayMsg{Label: "COUNT", SubID: "q", Count: 42, Known: true}},
		{`["NEG-MSG","n","61"]`, relayMsg{Label: "NEG-MSG", SubID: "n", Text: "61", Known: true}},
		{`["NEG-ERR","n","blocked: too big"]`, relayMsg{Label: "NEG-ERR", SubID: "n", Text: "blocked: too big", Known: true}},
		{`["NEG-ERROR","n","closed: slow"]`, relayMsg{Label: "NEG-ERR", SubID: "n", Text: "closed: slow", Known: true}},
		{` [ "EOSE" , "s" ] `, relayMsg{Label: "EOSE", SubID: "s", Known: true}},
		{`["PING"]`, relayMsg{Label: "PING"}}, // unknown but tolerated
		// Errors: client messages (an echo), wrong shapes, not JSON.
		{`["REQ","s",{}]`, relayMsg{}},
		{`["EVENT",{"id":"x"}]`, relayMsg{}},
		{`["AUTH",{"kind":22242}]`, relayMsg{}},
		{`["CLOSE","s"]`, relayMsg{}},
		{`["NEG-OPEN","s",{},"61"]`, relayMsg{}},
		{`["OK","id","true","x"]`, relayMsg{}},
		{`["OK","id",true,5]`, relayMsg{}},
		{`["EOSE",5]`, relayMsg{}},
		{`["COUNT","q",{"count":-1}]`, relayMsg{}},
		{`["COUNT","q",{"count":1.5}]`, relayMsg{}},
		{`["COUNT","q",{}]`, relayMsg{}},
		{`["NOTICE"]`, relayMsg{}},
		{`[]`, relayMsg{}},
		{`[1,2]`, relayMsg{}},
		{`{"EVENT":1}`, relayMsg{}},
		{`not json`, relayMsg{}},
	}
	for _, tc := range tests {
		got, err := parseRelayMessage([]byte(tc.in))
		if tc.want.Label == "" {
			if !errors.Is(err, errNotRelayMessage) {
				t.Errorf("%s: got %+v, %v; want errNotRelayMessage", tc.in, got, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.in, err)
			continue
		}
		got.Event = nil
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s:\n got %+v\nwant %+v", tc.in, got, tc.want)
		}
	}
	if m, _ := parseRelayMessage([]byte(`["REQ","s",{}]`)); m.Label != "REQ" {
		t.Errorf("the label of a refused message is kept for echo detection, got %q", m.Label)
	}
}

func FuzzParseRelayMessage(f *testing.F) {
	for _, s := range []string{`["EVENT","s",{}]`, `["OK","i",false,"pow: x"]`, `["COUNT","q",{"count":1}]`,
		`["NEG-ERR","n","x"]`, `["AUTH","c"]`, `["CLOSED","s","m"]`, `[`, `["REQ"]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := parseRelayMessage(b)
		if err != nil {
			if !errors.Is(err, errNotRelayMessage) {
				t.Fatalf("error not wrapping errNotRelayMessage: %v", err)
			}
			return
		}
		switch m.Label {
		case "EVENT":
			if len(m.Event) == 0 || m.Event[0] != '{' {
				t.Fatalf("EVENT without an object: %q", m.Event)
			}
		case "COUNT":
			if m.Count < 0 {
				t.Fatalf("negative count")
			}
		case "REQ", "CLOSE", "NEG-OPEN", "NEG-CLOSE", "NEG-ERROR":
			t.Fatalf("accepted %s", m.Label)
		}
	})
}
