package monitor

import (
	"slices"
	"testing"

	"github.com/bigbrotr/bigbrotr/monitor/probe"
)

// TestRelayTypes: the T tag from who may read and write. An AUTH the read
// needed must not make the write look open: the write either proved its
// own AUTH on a connection of its own, or rode on the read's (AfterAuth)
// and proves nothing for anyone else.
func TestRelayTypes(t *testing.T) {
	ok := &probe.Phase{Success: true}
	authed := &probe.Phase{Success: true, AuthRequired: true}
	for _, tc := range []struct {
		name        string
		read, write *probe.Phase
		want        string
	}{
		{"open", ok, ok, "PublicInbox"},
		{"auth to write", ok, authed, "PublicOutbox"},
		{"auth to read, anyone writes", authed, ok, "PrivateInbox"},
		{"auth for both", authed, authed, "PrivateStorage"},
		{"auth to read, write rode on it", authed, &probe.Phase{Success: true, AfterAuth: true}, "PrivateStorage"},
		{"restricted writes", ok, &probe.Phase{Reason: probe.ReasonRestricted}, "PublicOutbox"},
	} {
		rtt := &probe.RTTOutcome{Read: tc.read, Write: tc.write}
		if got := relayTypes(rtt, map[string]bool{}, nil); !slices.Contains(got, tc.want) {
			t.Errorf("%s: T = %v, want %s", tc.name, got, tc.want)
		}
	}
}
