package testnet

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// HostileMix weighs every profile marked hostile (see Behavior) equally.
// DefaultMix leaves them out, so that tests of the loops are not stalled by
// design; add HostileMix (MergeMix) to put them in a network.
var HostileMix = func() map[Profile]float64 {
	out := map[Profile]float64{}
	for p, b := range behaviors {
		if b.Hostile {
			out[p] = 1
		}
	}
	return out
}()

// MergeMix adds the weights of several mixes into a new one.
func MergeMix(mixes ...map[Profile]float64) map[Profile]float64 {
	out := map[Profile]float64{}
	for _, m := range mixes {
		for p, w := range m {
			out[p] += w
		}
	}
	return out
}

// HostileProfiles lists the hostile profiles in a fixed order.
func HostileProfiles() []Profile {
	var out []Profile
	for _, p := range Profiles() {
		if behaviors[p].Hostile {
			out = append(out, p)
		}
	}
	return out
}

// HostileSpecs pins one clearnet relay with a valid certificate per hostile
// profile: put them first in Options.Specs for a network in which every
// hostile behaviour is present whatever the mix.
func HostileSpecs() []Spec {
	var out []Spec
	for _, p := range HostileProfiles() {
		out = append(out, Spec{Profile: p, Network: Clearnet, TLS: TLSValid})
	}
	return out
}

// mixSets are the names ParseMix accepts for whole mixes.
var mixSets = map[string]map[Profile]float64{"default": DefaultMix, "hostile": HostileMix}

// ParseMix reads a profile mix written as comma-separated NAME[=WEIGHT]
// items. NAME is a profile, or "default" or "hostile" for DefaultMix or
// HostileMix; a set's WEIGHT is the share of the whole set, spread in the
// set's own proportions (its natural total when omitted). A profile's
// WEIGHT defaults to 1. "default=90,hostile=10" makes a tenth of the relays
// hostile; "healthy=1,endless-stream=1" is half and half.
func ParseMix(s string) (map[Profile]float64, error) {
	out := map[Profile]float64{}
	for item := range strings.SplitSeq(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		name, weight, hasWeight := strings.Cut(item, "=")
		w := 1.0
		if hasWeight {
			var err error
			if w, err = strconv.ParseFloat(strings.TrimSpace(weight), 64); err != nil || !(w >= 0) || math.IsInf(w, 0) {
				return nil, fmt.Errorf("mix: bad weight in %q", item)
			}
		}
		name = strings.TrimSpace(name)
		if set, ok := mixSets[name]; ok {
			total := 0.0
			for _, v := range set {
				total += v
			}
			scale := 1.0
			if hasWeight {
				scale = w / total
			}
			for p, v := range set {
				out[p] += v * scale
			}
			continue
		}
		if _, ok := profileTraits[Profile(name)]; !ok {
			return nil, fmt.Errorf("mix: unknown profile %q", name)
		}
		out[Profile(name)] += w
	}
	if err := validateMix(out); err != nil {
		return nil, err
	}
	return out, nil
}
