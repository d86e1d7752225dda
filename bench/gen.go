package bench

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/nbd-wtf/go-nostr"
)

// genVersion changes whenever the generator's output changes, so that a
// cached set made by an older generator is never reused.
const genVersion = 1

// Params fix a synthetic set completely: the same Params always give the
// same events, byte for byte.
type Params struct {
	N        int    // number of events
	Seed     uint64 // varies everything
	Authors  int    // authors of ordinary events (default 5,000)
	Monitors int    // authors of kind 30166 relay-discovery events (default 20)
	Relays   int    // size of the relay URL population (default 3,000)
	Start    int64  // created_at of the oldest event (default 2023-01-01)
	Span     int64  // seconds between oldest and newest (default 2 years)
	// FakeSig fills sig with 64 deterministic bytes instead of a Schnorr
	// signature: ids stay correct hashes, but signatures do not verify.
	FakeSig bool
}

func (p Params) withDefaults() Params {
	if p.Authors == 0 {
		p.Authors = 5000
	}
	if p.Monitors == 0 {
		p.Monitors = 20
	}
	if p.Relays == 0 {
		p.Relays = 3000
	}
	if p.Start == 0 {
		p.Start = 1672531200
	}
	if p.Span == 0 {
		p.Span = 2 * 365 * 86400
	}
	return p
}

// Key names the set: it is the cache file's name.
func (p Params) Key() string {
	p = p.withDefaults()
	s := fmt.Sprintf("v%d n%d seed%d a%d m%d r%d s%d span%d fake%t",
		genVersion, p.N, p.Seed, p.Authors, p.Monitors, p.Relays, p.Start, p.Span, p.FakeSig)
	h := sha256.Sum256([]byte(s))
	return fmt.Sprintf("n%d-%x", p.N, h[:8])
}

// generator holds what every event of one set draws from.
type generator struct {
	p      Params
	keys   []*btcec.PrivateKey // Authors ordinary authors, then Monitors monitors
	pubs   []string            // x-only hex public keys, same order
	events []*nostr.Event
}

func newGenerator(p Params) *generator {
	p = p.withDefaults()
	g := &generator{p: p, events: make([]*nostr.Event, p.N)}
	n := p.Authors + p.Monitors
	g.keys = make([]*btcec.PrivateKey, n)
	g.pubs = make([]string, n)
	parallel(n, func(i int) {
		var b [16]byte
		binary.BigEndian.PutUint64(b[:8], p.Seed)
		binary.BigEndian.PutUint64(b[8:], uint64(i))
		seed := sha256.Sum256(append([]byte("bigbrotr-bench-key"), b[:]...))
		sk, pk := btcec.PrivKeyFromBytes(seed[:])
		g.keys[i] = sk
		g.pubs[i] = hex.EncodeToString(pk.SerializeCompressed()[1:])
	})
	return g
}

// chunkSize bounds what an event may reference: events of one chunk are
// built in parallel and refer only to events of earlier chunks, whose ids
// are already known. The output does not depend on the number of cores.
const chunkSize = 4096

// Generate builds the set's events with correct ids and no signatures.
func Generate(p Params) []*nostr.Event {
	return newGenerator(p).generate()
}

func (g *generator) generate() []*nostr.Event {
	for start := 0; start < g.p.N; start += chunkSize {
		end := min(start+chunkSize, g.p.N)
		parallel(end-start, func(k int) {
			i := start + k
			ev := g.event(i, start)
			ev.ID = ev.GetID()
			g.events[i] = ev
		})
	}
	return g.events
}

// event builds event i, referring only to events before prior.
func (g *generator) event(i, prior int) *nostr.Event {
	r := rand.New(rand.NewPCG(g.p.Seed, uint64(i)))
	jitter := r.Int64N(7200) - 3600
	ev := &nostr.Event{
		CreatedAt: nostr.Timestamp(max(g.p.Start, g.p.Start+g.p.Span*int64(i)/int64(max(g.p.N, 1))+jitter)),
		Tags:      nostr.Tags{},
	}
	author := g.author(r)
	switch k := r.IntN(100); {
	case k < 58:
		g.note(r, ev, prior)
	case k < 83:
		g.reaction(r, ev, prior)
	case k < 86:
		g.profile(r, ev)
	case k < 88:
		g.follows(r, ev)
	case k < 91:
		g.relayList(r, ev)
	case k < 94:
		g.article(r, ev)
	default:
		author = g.p.Authors + r.IntN(g.p.Monitors)
		g.discovery(r, ev)
	}
	ev.PubKey = g.pubs[author]
	return ev
}

// author draws an ordinary author with a heavy head: the top 1% of
// authors write about a fifth of the events.
func (g *generator) author(r *rand.Rand) int {
	return int(float64(g.p.Authors) * math.Pow(r.Float64(), 3))
}

// earlier draws an event before prior, biased towards recent ones; -1
// when there is none.
func (g *generator) earlier(r *rand.Rand, prior int) int {
	if prior == 0 {
		return -1
	}
	return prior - 1 - int(float64(prior)*math.Pow(r.Float64(), 4))
}

// parallel runs fn(0..n-1) on every core.
func parallel(n int, fn func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), max(n, 1))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += workers {
				fn(i)
			}
		}()
	}
	wg.Wait()
}
