package testnet

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"strconv"
)

// relayPlan is everything about one relay that is decided before it runs.
type relayPlan struct {
	idx     int
	profile Profile
	traits  traits
	network NetworkName
	tls     TLSMode
	ip      netip.Addr
	ipv6    bool // also listens on [::1]:port, published as AAAA
	host    string
	aliases []string // CNAMEs to host
	port    int      // listening port (in the URL for clearnet)
	url     string
	seed    bool // listed in the seed file
	dark    bool // never referenced by a valid event
	hinted  bool // referenced only by an e/p-tag relay hint, never by a relay list
}

// listSource reports whether the relay's relay-list events count for
// discovery: it must be reachable by a verifying client and serve every
// event to anyone.
func (p *relayPlan) listSource() bool {
	return p.traits.readable && p.traits.storesLists && p.tlsOK()
}

func (p *relayPlan) tlsOK() bool { return p.tls == TLSNone || p.tls == TLSValid }

// hasStore reports whether the relay runs khatru with events.
func (p *relayPlan) hasStore() bool { return p.traits.nostr }

func (p *relayPlan) buildURL() {
	if p.network == Clearnet {
		p.url = "wss://" + p.host + ":" + strconv.Itoa(p.port)
		return
	}
	p.url = "ws://" + p.host
}

// makePlans decides profiles, networks, TLS modes, names, seeds, and dark
// and hint-only relays. Ports are filled in later, when listeners are bound.
func makePlans(o Options) []*relayPlan {
	n := o.Relays
	profiles := assignProfiles(n, o.Mix, subRNG(o.Seed, "profiles"))
	nets := assignNetworks(n, o.NetworkMix, subRNG(o.Seed, "networks"))
	plans := make([]*relayPlan, n)
	for i := range plans {
		p := &relayPlan{idx: i, profile: profiles[i], network: nets[i], ip: relayIP(o.Octet, i)}
		if i < len(o.Specs) {
			if s := o.Specs[i]; s.Profile != "" {
				p.profile = s.Profile
			}
			if s := o.Specs[i]; s.Network != "" {
				p.network = s.Network
			}
		}
		p.traits = profileTraits[p.profile]
		plans[i] = p
	}
	assignTLS(plans, o)
	nameRNG := subRNG(o.Seed, "names")
	for _, p := range plans {
		if p.network == Clearnet {
			p.host = relayHost(p.idx)
			if p.idx%10 == 3 {
				p.aliases = []string{aliasHost(p.idx)}
			}
			continue
		}
		p.host = overlayName(p.network, nameRNG)
	}
	chooseSeedsAndDark(plans, o)
	return plans
}

func assignNetworks(n int, mix map[NetworkName]float64, rng *rand.Rand) []NetworkName {
	asProfiles := make(map[Profile]float64, len(mix))
	for k, w := range mix {
		asProfiles[Profile(k)] = w
	}
	ps := assignProfiles(n, asProfiles, rng)
	out := make([]NetworkName, n)
	for i, p := range ps {
		out[i] = NetworkName(p)
	}
	return out
}

func assignTLS(plans []*relayPlan, o Options) {
	var clear []*relayPlan
	for _, p := range plans {
		if p.network == Clearnet {
			p.tls = TLSValid
			clear = append(clear, p)
		}
	}
	rng := subRNG(o.Seed, "tls")
	rng.Shuffle(len(clear), func(i, j int) { clear[i], clear[j] = clear[j], clear[i] })
	bad := int(o.BadTLS*float64(len(clear)) + 0.5)
	modes := []TLSMode{TLSExpired, TLSSelfSigned, TLSWrongHost}
	for i := 0; i < bad && i < len(clear); i++ {
		clear[i].tls = modes[i%3]
	}
	for i, s := range o.Specs {
		if plans[i].network == Clearnet && s.TLS != TLSNone {
			plans[i].tls = s.TLS
		}
	}
}

func chooseSeedsAndDark(plans []*relayPlan, o Options) {
	var ideal, fallback []*relayPlan
	for _, p := range plans {
		switch {
		case p.profile == Healthy && p.network == Clearnet && p.tls == TLSValid:
			ideal = append(ideal, p)
		case p.listSource():
			fallback = append(fallback, p)
		}
	}
	rng := subRNG(o.Seed, "seeds")
	rng.Shuffle(len(ideal), func(i, j int) { ideal[i], ideal[j] = ideal[j], ideal[i] })
	rng.Shuffle(len(fallback), func(i, j int) { fallback[i], fallback[j] = fallback[j], fallback[i] })
	pool := append(ideal, fallback...)
	k := min(o.SeedRelays, len(pool))
	for _, p := range pool[:k] {
		p.seed = true
	}
	// Dark relays are healthy but unreferenced: a crawler must not find them.
	rest := ideal[min(k, len(ideal)):]
	dark := 0
	if len(plans) >= 10 {
		dark = max(1, len(plans)*3/100)
	}
	for i := 0; i < dark && i < len(rest); i++ {
		rest[i].dark = true
	}
	hinted := 0
	if len(plans) >= 20 {
		hinted = max(1, len(plans)/100)
	}
	for i := dark; i < dark+hinted && i < len(rest); i++ {
		rest[i].hinted = true
	}
	// Dual-stack: a few more healthy clearnet relays also get [::1].
	for i := dark + hinted; i < len(rest); i += 20 {
		rest[i].ipv6 = true
	}
}

func (p *relayPlan) String() string {
	return fmt.Sprintf("%s (%s, %s)", p.url, p.profile, p.network)
}
