package web

import (
	"context"
	"slices"
	"sort"
)

// Supports reports whether r supports NIP n as far as this node knows: it
// claims it and the monitor's tests did not disprove it. A claim no test
// covers counts (the node cannot tell), a refuted one does not: a client
// picking relays for NIP-50 search wants the ones that answer a search.
func (r *Relay) Supports(n int) bool {
	return slices.Contains(r.NIPs, n) && !slices.Contains(r.DisprovedNIPs, n)
}

// nipStats counts relays per NIP from the relay list: Relays those that
// support it (Supports), Claimed those whose NIP-11 names it, Verified
// those whose claim the monitor saw working, Disproved those whose claim
// it refuted. By NIP.
func nipStats(relays []Relay) []NIPStat {
	by := map[int]*NIPStat{}
	at := func(n int) *NIPStat {
		s := by[n]
		if s == nil {
			s = &NIPStat{NIP: n}
			by[n] = s
		}
		return s
	}
	for i := range relays {
		r := &relays[i]
		// A NIP-11 document may list a NIP twice; count each relay once.
		seen := map[int]bool{}
		for _, n := range r.NIPs {
			if seen[n] {
				continue
			}
			seen[n] = true
			s := at(n)
			s.Claimed++
			if r.Supports(n) {
				s.Relays++
			}
			if slices.Contains(r.VerifiedNIPs, n) {
				s.Verified++
			}
			if slices.Contains(r.DisprovedNIPs, n) {
				s.Disproved++
			}
		}
	}
	out := make([]NIPStat, 0, len(by))
	for _, s := range by {
		out = append(out, *s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].NIP < out[j].NIP })
	return out
}

// verifiedNIPStats are the NIP statistics the API and the overview serve:
// from the relay list, so they count what the monitor verified rather than
// the archive's count of NIP-11 claims.
func (h *Handler) verifiedNIPStats(ctx context.Context) ([]NIPStat, error) {
	relays, err := h.cachedRelays(ctx)
	if err != nil {
		return nil, err
	}
	return nipStats(relays), nil
}
