package websource

import (
	"slices"
	"testing"

	"github.com/bigbrotr/bigbrotr/monitor/probe"
)

func TestDisprovedNIPs(t *testing.T) {
	for _, c := range []struct {
		name string
		o    probe.NIPsOutcome
		want []int
	}{
		{"none tested", probe.NIPsOutcome{Claimed: []int{1, 11}}, nil},
		{"verified and untested are not disproved", probe.NIPsOutcome{Claimed: []int{42, 45, 50}, Verified: []int{45},
			Tests: []probe.NIPTest{{NIP: 42, Verdict: probe.NIPUntested}, {NIP: 45, Verdict: probe.NIPVerified}, {NIP: 50, Verdict: probe.NIPRefused}}}, []int{50}},
		{"claim order, once each", probe.NIPsOutcome{Claimed: []int{77, 50, 77},
			Tests: []probe.NIPTest{{NIP: 50, Verdict: probe.NIPRefused}, {NIP: 77, Verdict: probe.NIPRefused}}}, []int{77, 50}},
		{"a refusal of an unclaimed NIP is ignored", probe.NIPsOutcome{Claimed: []int{1},
			Tests: []probe.NIPTest{{NIP: 50, Verdict: probe.NIPRefused}}}, nil},
	} {
		if got := disprovedNIPs(&c.o); !slices.Equal(got, c.want) {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}
