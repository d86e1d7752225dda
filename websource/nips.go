package websource

import (
	"slices"

	"github.com/bigbrotr/bigbrotr/monitor/probe"
)

// disprovedNIPs are the claims of o the monitor's tests refuted, in the
// order claimed: what the status page shows apart and the nip filter
// leaves out.
func disprovedNIPs(o *probe.NIPsOutcome) []int {
	var out []int
	for _, n := range o.Claimed {
		if slices.ContainsFunc(o.Tests, func(t probe.NIPTest) bool { return t.NIP == n && t.Verdict == probe.NIPRefused }) &&
			!slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}
