package testnet

import (
	"cmp"
	"errors"
	"fmt"
	"os"
	"time"
)

// NetworkName is the overlay a relay is reached through. The values match
// package schema's Network names.
type NetworkName string

const (
	Clearnet NetworkName = "clearnet"
	Tor      NetworkName = "tor"
	I2P      NetworkName = "i2p"
	Loki     NetworkName = "loki"
)

// TLSMode is how a clearnet relay's certificate is made. Overlay relays are
// plain ws:// (the overlay encrypts) and have TLSNone.
type TLSMode string

const (
	TLSNone       TLSMode = ""
	TLSValid      TLSMode = "valid"       // signed by the testnet CA for the relay's names
	TLSExpired    TLSMode = "expired"     // signed by the CA, expired yesterday
	TLSSelfSigned TLSMode = "self-signed" // right names, but not signed by the CA
	TLSWrongHost  TLSMode = "wrong-host"  // signed by the CA for another host name
)

// Spec pins parts of one relay; zero fields are chosen from the seed.
type Spec struct {
	Profile Profile
	Network NetworkName
	TLS     TLSMode // ignored for overlay relays
}

// Options configures Start. The zero value (plus a Seed) is a small
// 20-relay network on ephemeral ports in a temporary directory.
type Options struct {
	Relays int   // number of relays; default 20
	Seed   int64 // everything (profiles, keys, events, graph) derives from it

	// Mix weighs the profiles; nil means DefaultMix.
	Mix map[Profile]float64
	// Specs pins relay i's profile/network/TLS for i < len(Specs).
	Specs []Spec
	// NetworkMix weighs the networks; nil means 85% clearnet, 7% tor, 4% i2p, 4% loki.
	NetworkMix map[NetworkName]float64
	// BadTLS is the share of clearnet relays with a broken certificate, split
	// evenly between expired, self-signed and wrong-host. Default 0.09; negative means none.
	BadTLS float64

	// Port, when non-zero, is the one port every relay listens on (each on its own
	// address), with DNS on 127.Octet.255.254:Port, the tor, i2p and loki proxies
	// on Port+1..Port+3 of that address, and node.toml's node on 127.0.0.1:Port+4:
	// the manifest then depends on Seed and Port only. Zero means ephemeral ports
	// everywhere (safe for parallel tests).
	Port int
	// Octet is the second octet of the relays' 127.Octet.X.Y addresses. The
	// default is 77 with a fixed Port, else 100 + pid%100, so that networks in
	// concurrently running test processes use different addresses (a Closed
	// relay's port could otherwise be taken by another process's relay).
	Octet int

	// OutDir receives ca.pem, the GeoIP databases, node.toml, seeds.txt and
	// manifest.json. Empty means a temporary directory removed by Close.
	OutDir string

	// BaseTime is "now" for generated events; default 2026-11-01T00:00:00Z, fixed
	// so the same seed gives the same event ids on any day.
	BaseTime time.Time
	// Authors is the number of generated users; default max(10, Relays/2).
	Authors int
	// SeedRelays is the number of relays in the seed file; default max(2, Relays/40).
	SeedRelays int

	SlowDelay time.Duration // Slow profile's EOSE/OK delay; default 1s
	CapK      int           // Capped profile's per-REQ cap; default 5
	FlapUp    time.Duration // Flapping profile's up time; default 2s
	FlapDown  time.Duration // Flapping profile's down time; default 2s

	// Hostile profiles' pacing and safety budget (see the Hostile profile constants).
	StreamRate int           // events per second of endless-stream, after-eose and repeat-loop; default 500
	DripEvery  time.Duration // period of notice-drip, other-sub-id and auth-loop; default 5s
	StreamMax  int           // frames per subscription before an endless behaviour stops; default 1,000,000
	StreamFor  time.Duration // time per subscription (and endless NIP-11) before it stops; default 30m
	ByteDelay  time.Duration // slow-frames' pause between bytes; default 2ms
	HugeFrame  int           // huge-frame's frame size in bytes; default 64 MiB

	// Logf, if set, receives the network's own log lines (not khatru's).
	Logf func(format string, args ...any)
}

// ErrOptions is wrapped by every option validation error.
var ErrOptions = errors.New("testnet: invalid options")

var defaultBaseTime = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

func (o Options) withDefaults() Options {
	if o.Relays == 0 {
		o.Relays = 20
	}
	if o.Mix == nil {
		o.Mix = DefaultMix
	}
	if o.NetworkMix == nil {
		o.NetworkMix = map[NetworkName]float64{Clearnet: 85, Tor: 7, I2P: 4, Loki: 4}
	}
	if o.BadTLS == 0 {
		o.BadTLS = 0.09
	}
	if o.BadTLS < 0 {
		o.BadTLS = 0
	}
	if o.Octet == 0 {
		o.Octet = 77
		if o.Port == 0 {
			o.Octet = 100 + os.Getpid()%100
		}
	}
	if o.BaseTime.IsZero() {
		o.BaseTime = defaultBaseTime
	}
	if o.Authors == 0 {
		o.Authors = max(10, o.Relays/2)
	}
	if o.SeedRelays == 0 {
		o.SeedRelays = max(2, o.Relays/40)
	}
	if o.SlowDelay == 0 {
		o.SlowDelay = time.Second
	}
	if o.CapK == 0 {
		o.CapK = 5
	}
	if o.FlapUp == 0 {
		o.FlapUp = 2 * time.Second
	}
	if o.FlapDown == 0 {
		o.FlapDown = 2 * time.Second
	}
	o.StreamRate = cmp.Or(o.StreamRate, 500)
	o.DripEvery = cmp.Or(o.DripEvery, 5*time.Second)
	o.StreamMax = cmp.Or(o.StreamMax, 1_000_000)
	o.StreamFor = cmp.Or(o.StreamFor, 30*time.Minute)
	o.ByteDelay = cmp.Or(o.ByteDelay, 2*time.Millisecond)
	o.HugeFrame = cmp.Or(o.HugeFrame, 64<<20)
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
	return o
}

func (o Options) validate() error {
	switch {
	case o.Relays < 1 || o.Relays > 60000:
		return fmt.Errorf("%w: relays must be between 1 and 60000, got %d", ErrOptions, o.Relays)
	case len(o.Specs) > o.Relays:
		return fmt.Errorf("%w: %d specs for %d relays", ErrOptions, len(o.Specs), o.Relays)
	case o.Port < 0 || o.Port > 65535-4:
		return fmt.Errorf("%w: port %d out of range", ErrOptions, o.Port)
	case o.Octet < 1 || o.Octet > 254:
		return fmt.Errorf("%w: octet %d out of range", ErrOptions, o.Octet)
	case o.BadTLS > 1:
		return fmt.Errorf("%w: bad_tls share %v above 1", ErrOptions, o.BadTLS)
	case o.CapK < 1:
		return fmt.Errorf("%w: cap %d below 1", ErrOptions, o.CapK)
	case o.StreamRate < 1 || o.StreamRate > 100_000:
		return fmt.Errorf("%w: stream rate %d outside 1-100000 events/s", ErrOptions, o.StreamRate)
	case o.DripEvery < time.Millisecond || o.StreamFor < time.Millisecond || o.ByteDelay < 0:
		return fmt.Errorf("%w: drip period, stream time and byte delay must be positive", ErrOptions)
	case o.StreamMax < 1:
		return fmt.Errorf("%w: stream max %d below 1", ErrOptions, o.StreamMax)
	case o.HugeFrame < 1 || o.HugeFrame > 1<<30:
		return fmt.Errorf("%w: huge frame %d outside 1 B-1 GiB", ErrOptions, o.HugeFrame)
	}
	if err := validateMix(o.Mix); err != nil {
		return fmt.Errorf("%w: %w", ErrOptions, err)
	}
	for i, s := range o.Specs {
		if _, ok := profileTraits[s.Profile]; s.Profile != "" && !ok {
			return fmt.Errorf("%w: specs[%d]: unknown profile %q", ErrOptions, i, s.Profile)
		}
		switch s.Network {
		case "", Clearnet, Tor, I2P, Loki:
		default:
			return fmt.Errorf("%w: specs[%d]: unknown network %q", ErrOptions, i, s.Network)
		}
		switch s.TLS {
		case TLSNone, TLSValid, TLSExpired, TLSSelfSigned, TLSWrongHost:
		default:
			return fmt.Errorf("%w: specs[%d]: unknown tls mode %q", ErrOptions, i, s.TLS)
		}
	}
	for n, w := range o.NetworkMix {
		switch n {
		case Clearnet, Tor, I2P, Loki:
		default:
			return fmt.Errorf("%w: network mix: unknown network %q", ErrOptions, n)
		}
		if w < 0 {
			return fmt.Errorf("%w: network mix: negative weight for %q", ErrOptions, n)
		}
	}
	return nil
}
