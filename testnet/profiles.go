package testnet

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
)

// Profile is a relay's behaviour. Its wire behaviour is described on each
// constant; the expected verdicts a crawler should reach are in traits.
type Profile string

const (
	// Healthy serves reads and writes, NIP-11, COUNT (45) and negentropy (77).
	Healthy Profile = "healthy"
	// Slow delays EOSE and OK by Options.SlowDelay (events themselves are prompt).
	Slow Profile = "slow"
	// AuthRead answers REQ with CLOSED "auth-required:" until NIP-42 AUTH.
	AuthRead Profile = "auth-read"
	// AuthWrite answers EVENT with OK false "auth-required:" until AUTH; reads are open.
	AuthWrite Profile = "auth-write"
	// AuthAll requires AUTH for REQ and EVENT and says so in NIP-11.
	AuthAll Profile = "auth-all"
	// Paid sets NIP-11 payment_required and refuses writes with "restricted: payment required".
	Paid Profile = "paid"
	// RestrictedWrites sets NIP-11 restricted_writes and refuses writes with "restricted:".
	RestrictedWrites Profile = "restricted-writes"
	// Capped returns at most Options.CapK events per REQ whatever the limit, newest first,
	// while NIP-11 advertises max_limit 500.
	Capped Profile = "capped"
	// Flood ignores the REQ limit and sends every matching event at once.
	Flood Profile = "flood"
	// Drop sends half (rounded up) of a REQ's events, then closes the TCP connection
	// without EOSE; a REQ matching nothing is dropped with no reply at all. EVENT,
	// COUNT and AUTH work normally.
	Drop Profile = "drop"
	// RateLimited allows one REQ and one EVENT per second per connection; the rest get
	// CLOSED / OK false "rate-limited:".
	RateLimited Profile = "rate-limited"
	// Echo is a WebSocket server that echoes every message: not Nostr.
	Echo Profile = "echo"
	// HTTPOnly answers every request (upgrades included) with 200 text/html.
	HTTPOnly Profile = "http-only"
	// Closed has a DNS name and an address but nothing listens on its port.
	Closed Profile = "closed"
	// NIP11Missing is healthy on the WebSocket but answers NIP-11 with 404.
	NIP11Missing Profile = "nip11-missing"
	// NIP11Invalid serves a NIP-11 body that is not JSON.
	NIP11Invalid Profile = "nip11-invalid-json"
	// NIP11WrongType serves a valid NIP-11 document as text/html.
	NIP11WrongType Profile = "nip11-wrong-content-type"
	// NIP11Huge serves a valid but 5 MB NIP-11 document.
	NIP11Huge Profile = "nip11-huge"
	// NIP11Redirect answers NIP-11 with 302 to a link-local (cloud metadata) address.
	NIP11Redirect Profile = "nip11-redirect"
	// FakeNIPs claims NIPs 45, 50 and 77 but refuses COUNT, search and NEG-OPEN.
	FakeNIPs Profile = "fake-nips"
	// BadEvents also serves events with bad signatures and with bad ids.
	BadEvents Profile = "bad-events"
	// FutureEvents also serves validly signed events dated decades ahead.
	FutureEvents Profile = "future-events"
	// HugeEvent also serves one validly signed kind-1 event of about 2 MiB, dated
	// two years back, older than the generated events (so a REQ with limit 1 does
	// not hit it, a full sync does).
	HugeEvent Profile = "huge-event"
	// Flapping listens and stops listening on a schedule (Options.FlapUp/FlapDown).
	Flapping Profile = "flapping"
)

// traits are the expectations a crawler should meet for one profile.
type traits struct {
	listening    bool // something accepts TCP connections (flapping: sometimes)
	websocket    bool // a WebSocket upgrade succeeds
	nostr        bool // runs a khatru relay behind the WebSocket
	readable     bool // REQ without AUTH returns every stored event (with pagination)
	writable     bool // EVENT without AUTH or payment is accepted
	storesLists  bool // may hold events carrying relay URLs (see content.go)
	validVerdict bool // what a validator doing a WebSocket + REQ round trip should conclude
	nip11        nip11Mode
}

var profileTraits = map[Profile]traits{
	Healthy:          {true, true, true, true, true, true, true, nip11OK},
	Slow:             {true, true, true, true, true, true, true, nip11OK},
	AuthRead:         {true, true, true, false, true, false, true, nip11OK},
	AuthWrite:        {true, true, true, true, false, true, true, nip11OK},
	AuthAll:          {true, true, true, false, false, false, true, nip11OK},
	Paid:             {true, true, true, true, false, true, true, nip11OK},
	RestrictedWrites: {true, true, true, true, false, true, true, nip11OK},
	Capped:           {true, true, true, true, true, true, true, nip11OK},
	Flood:            {true, true, true, true, true, true, true, nip11OK},
	Drop:             {true, true, true, false, true, false, true, nip11OK},
	RateLimited:      {true, true, true, false, false, false, true, nip11OK},
	Echo:             {true, true, false, false, false, false, false, nip11Missing},
	HTTPOnly:         {true, false, false, false, false, false, false, nip11HTML},
	Closed:           {false, false, false, false, false, false, false, nip11None},
	NIP11Missing:     {true, true, true, true, true, true, true, nip11Missing},
	NIP11Invalid:     {true, true, true, true, true, true, true, nip11Invalid},
	NIP11WrongType:   {true, true, true, true, true, true, true, nip11WrongType},
	NIP11Huge:        {true, true, true, true, true, true, true, nip11Huge},
	NIP11Redirect:    {true, true, true, true, true, true, true, nip11Redirect},
	FakeNIPs:         {true, true, true, true, true, true, true, nip11OK},
	BadEvents:        {true, true, true, true, true, true, true, nip11OK},
	FutureEvents:     {true, true, true, true, true, true, true, nip11OK},
	HugeEvent:        {true, true, true, false, true, false, true, nip11OK},
	Flapping:         {true, true, true, false, true, false, true, nip11OK},
}

// Profiles lists every profile in a fixed order.
func Profiles() []Profile {
	out := make([]Profile, 0, len(profileTraits))
	for p := range profileTraits {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}

// DefaultMix is the profile mix used when Options.Mix is nil: about half the
// relays are healthy and every other profile appears in a 100-relay network.
var DefaultMix = map[Profile]float64{
	Healthy: 45, Slow: 4, AuthRead: 3, AuthWrite: 3, AuthAll: 2, Paid: 3,
	RestrictedWrites: 3, Capped: 4, Flood: 2, Drop: 2, RateLimited: 2, Echo: 2,
	HTTPOnly: 2, Closed: 3, NIP11Missing: 2, NIP11Invalid: 2, NIP11WrongType: 2,
	NIP11Huge: 2, NIP11Redirect: 2, FakeNIPs: 2, BadEvents: 2, FutureEvents: 2,
	HugeEvent: 1, Flapping: 2,
}

func validateMix(mix map[Profile]float64) error {
	total := 0.0
	for p, w := range mix {
		if _, ok := profileTraits[p]; !ok {
			return fmt.Errorf("mix: unknown profile %q", p)
		}
		if w < 0 {
			return fmt.Errorf("mix: negative weight for %q", p)
		}
		total += w
	}
	if total <= 0 {
		return fmt.Errorf("mix: weights sum to zero")
	}
	return nil
}

// assignProfiles gives n relays profiles in the proportions of mix (largest
// remainder, so the counts are exact and stable), shuffled by rng.
func assignProfiles(n int, mix map[Profile]float64, rng *rand.Rand) []Profile {
	type share struct {
		p    Profile
		n    int
		frac float64
	}
	total := 0.0
	for _, w := range mix {
		total += w
	}
	shares := make([]share, 0, len(mix))
	used := 0
	for p, w := range mix {
		exact := w / total * float64(n)
		shares = append(shares, share{p: p, n: int(exact), frac: exact - float64(int(exact))})
		used += int(exact)
	}
	// Stable order first, so that map iteration order never leaks into the result.
	sort.Slice(shares, func(i, j int) bool {
		if shares[i].frac != shares[j].frac {
			return shares[i].frac > shares[j].frac
		}
		return shares[i].p < shares[j].p
	})
	for i := 0; used < n; i = (i + 1) % len(shares) {
		shares[i].n++
		used++
	}
	sort.Slice(shares, func(i, j int) bool { return shares[i].p < shares[j].p })
	out := make([]Profile, 0, n)
	for _, s := range shares {
		for range s.n {
			out = append(out, s.p)
		}
	}
	rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}
