package testnet

import (
	"fmt"
	"math"
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

// Hostile profiles: relays built to stall, flood or poison a client. Most
// run on a raw WebSocket (session.go) rather than khatru, because what they
// send is not what a relay framework lets a relay send. Every endless
// behaviour runs only while a client is connected and stops at the
// per-subscription safety budget (Options.StreamMax, Options.StreamFor).
// Options.DripEvery paces the drips; Options.StreamRate the streams.
const (
	// EndlessStream answers every REQ with new, distinct, validly signed events
	// matching the filter's kinds and time window, at StreamRate, and never EOSE.
	EndlessStream Profile = "endless-stream"
	// NoticeDrip answers a REQ with a NOTICE at once and then every DripEvery; never EOSE.
	NoticeDrip Profile = "notice-drip"
	// OtherSubID answers a REQ with EVENT and EOSE frames carrying another
	// subscription id, every DripEvery; the REQ's own id never gets an answer.
	OtherSubID Profile = "other-sub-id"
	// NoEOSE sends the matching stored events (limit honoured) and then nothing.
	NoEOSE Profile = "no-eose"
	// AfterEOSE sends the matching stored events and EOSE, then new distinct
	// validly signed events at StreamRate for as long as the subscription stays open.
	AfterEOSE Profile = "after-eose"
	// Silent completes the WebSocket upgrade and never sends a data frame
	// (it answers pings: a client's keep-alive cannot tell it from a quiet relay).
	Silent Profile = "silent"
	// SlowFrames serves like a relay but writes every byte after the upgrade
	// separately, Options.ByteDelay apart.
	SlowFrames Profile = "slow-frames"
	// RepeatLoop sends the matching stored events (all of them when none match)
	// over and over at StreamRate, never EOSE: few distinct ids, endless frames.
	RepeatLoop Profile = "repeat-loop"
	// StrangeEvents also serves validly signed events with a 10 KB tag value,
	// NUL in a tag value and NUL in content (RelayInfo.StrangeEventIDs).
	StrangeEvents Profile = "strange-events"
	// NIP11NUL serves a NIP-11 document (valid JSON) with \u0000 in its strings.
	NIP11NUL Profile = "nip11-nul"
	// NIP11BadUTF8 serves a NIP-11 document whose strings hold invalid UTF-8.
	NIP11BadUTF8 Profile = "nip11-invalid-utf8"
	// NIP11Endless streams a NIP-11 document that never ends (until the client
	// leaves or StreamFor passes).
	NIP11Endless Profile = "nip11-endless"
	// NIP11GzipBomb serves NIP-11 with Content-Encoding gzip: about 256 KiB
	// on the wire, 256 MiB of JSON once inflated.
	NIP11GzipBomb Profile = "nip11-gzip-bomb"
	// AuthLoop sends an AUTH challenge on connect and every DripEvery, answers
	// every REQ and EVENT with auth-required, and answers every AUTH with OK
	// true followed by a fresh challenge: authenticating never helps.
	AuthLoop Profile = "auth-loop"
	// ClosedLoop answers every REQ with one stored event and CLOSED "error:"
	// asking the client to send the REQ again.
	ClosedLoop Profile = "closed-loop"
	// RateLimitedAlways answers every REQ and COUNT with CLOSED "rate-limited:"
	// and every EVENT with OK false "rate-limited:".
	RateLimitedAlways Profile = "rate-limited-always"
	// MalformedJSON serves the matching stored events and EOSE with malformed
	// frames in between (truncated JSON, wrong shapes, wrong types, not JSON).
	MalformedJSON Profile = "malformed-json"
	// HugeFrame sends, after the first matching event, one text frame of
	// Options.HugeFrame bytes (a NOTICE), then the rest and EOSE.
	HugeFrame Profile = "huge-frame"
	// BinaryFrames speaks NIP-01 in binary WebSocket frames.
	BinaryFrames Profile = "binary-frames"
	// PingFlood serves normally and sends WebSocket pings back to back from
	// connect (each waits for its pong, at most one per millisecond).
	PingFlood Profile = "ping-flood"
	// OKNever serves reads normally and never answers an EVENT.
	OKNever Profile = "ok-never"
	// OKFalse serves reads normally and refuses every EVENT with OK false "error:".
	OKFalse Profile = "ok-false"
	// WrongKind ignores the filter's kinds, authors, ids and tags: it answers
	// with events the filter excludes.
	WrongKind Profile = "wrong-kind"
	// OutOfWindow ignores the filter's since and until.
	OutOfWindow Profile = "out-of-window"
	// TCPStall accepts TCP connections and never sends a byte: TLS and HTTP
	// (NIP-11, WebSocket upgrade) handshakes stall.
	TCPStall Profile = "tcp-stall"
	// WSStall serves NIP-11 but never answers a WebSocket upgrade request.
	WSStall Profile = "ws-stall"
	// ResetMidFrame answers a REQ with half of its first frame, then resets
	// the TCP connection.
	ResetMidFrame Profile = "reset-mid-frame"
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

	EndlessStream:     {true, true, true, false, true, false, true, nip11OK},
	NoticeDrip:        {true, true, true, false, true, false, true, nip11OK},
	OtherSubID:        {true, true, true, false, true, false, true, nip11OK},
	NoEOSE:            {true, true, true, false, true, false, true, nip11OK},
	AfterEOSE:         {true, true, true, true, true, false, true, nip11OK},
	Silent:            {true, true, false, false, false, false, false, nip11OK},
	SlowFrames:        {true, true, true, false, true, false, true, nip11OK},
	RepeatLoop:        {true, true, true, false, true, false, true, nip11OK},
	StrangeEvents:     {true, true, true, true, true, false, true, nip11OK},
	NIP11NUL:          {true, true, true, true, true, true, true, nip11NUL},
	NIP11BadUTF8:      {true, true, true, true, true, true, true, nip11BadUTF8},
	NIP11Endless:      {true, true, true, true, true, true, true, nip11Endless},
	NIP11GzipBomb:     {true, true, true, true, true, true, true, nip11GzipBomb},
	AuthLoop:          {true, true, true, false, false, false, true, nip11OK},
	ClosedLoop:        {true, true, true, false, true, false, true, nip11OK},
	RateLimitedAlways: {true, true, true, false, false, false, true, nip11OK},
	MalformedJSON:     {true, true, true, true, true, false, true, nip11OK},
	HugeFrame:         {true, true, true, false, true, false, true, nip11OK},
	BinaryFrames:      {true, true, true, false, true, false, false, nip11OK},
	PingFlood:         {true, true, true, true, true, false, true, nip11OK},
	OKNever:           {true, true, true, true, false, false, true, nip11OK},
	OKFalse:           {true, true, true, true, false, false, true, nip11OK},
	WrongKind:         {true, true, true, true, true, false, true, nip11OK},
	OutOfWindow:       {true, true, true, true, true, false, true, nip11OK},
	TCPStall:          {true, false, false, false, false, false, false, nip11Stall},
	WSStall:           {true, false, false, false, false, false, false, nip11OK},
	ResetMidFrame:     {true, true, true, false, true, false, false, nip11OK},
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
		if !(w >= 0) || math.IsInf(w, 0) {
			return fmt.Errorf("mix: weight %v for %q is not a finite non-negative number", w, p)
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
