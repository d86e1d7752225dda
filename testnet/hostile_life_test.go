package testnet

import (
	"context"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/nbd-wtf/go-nostr"
)

// hostileNet has one clearnet relay per hostile profile.
func hostileNet(t *testing.T, o Options) *Network {
	o.Specs = HostileSpecs()
	o.Relays, o.Seed, o.Authors, o.Mix = len(o.Specs)+2, 7, 40, map[Profile]float64{Healthy: 1}
	if o.DripEvery == 0 {
		o.DripEvery = testDrip
	}
	return startNet(t, o)
}

// waitIdle polls until no hostile work runs; it fails the test if some
// still does when ctx ends.
func waitIdle(ctx context.Context, t *testing.T, n *Network) {
	t.Helper()
	for n.HostileActive() != 0 {
		if ctx.Err() != nil {
			t.Fatalf("%d hostile sessions, streams or stalls still running after every client left", n.HostileActive())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestHostileStopsWithClient: every endless behaviour runs while its client
// is connected and stops when the client goes away.
func TestHostileStopsWithClient(t *testing.T) {
	n := hostileNet(t, Options{StreamRate: 2000})
	m := n.Manifest()
	ctx := testCtx(t)
	if n.HostileActive() != 0 {
		t.Fatalf("hostile work running with no client: %d", n.HostileActive())
	}
	var wires []*wire
	for _, p := range []Profile{EndlessStream, NoticeDrip, OtherSubID, AfterEOSE, RepeatLoop, AuthLoop, PingFlood, Silent, SlowFrames} {
		w := mustWire(ctx, t, n, onlyRelay(t, m, p).URL)
		w.send(ctx, "REQ", "a", nostr.Filter{Limit: 1})
		wires = append(wires, w)
	}
	// The stalls hold raw connections. (An http.Transport keeps dialling in
	// the background after a cancelled request, so the TCP stall is dialled
	// raw, to know when the client has left.)
	ts := onlyRelay(t, m, TCPStall)
	var d net.Dialer
	stalled, err := d.DialContext(ctx, "tcp", net.JoinHostPort(ts.IP, itoa(ts.Port)))
	if err != nil {
		t.Fatal(err)
	}
	dctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	_, _ = dialWire(dctx, t, n, onlyRelay(t, m, WSStall).URL)
	cancel()
	for _, w := range wires[:7] {
		if _, err := w.read(ctx); err != nil {
			t.Fatalf("no first frame: %v", err)
		}
	}
	if n.HostileActive() == 0 {
		t.Fatalf("no hostile work running with clients connected")
	}
	if s, _ := n.Stats(onlyRelay(t, m, Silent).URL); s.Active == 0 {
		t.Errorf("silent relay with a client: stats %+v, want its session active", s)
	}
	// An endless NIP-11 response abandoned by its client.
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, strings.Replace(onlyRelay(t, m, NIP11Endless).URL, "ws", "http", 1), nil)
	req.Header.Set("Accept", "application/nostr+json")
	if resp, err := n.HTTPClient().Do(req); err == nil {
		_, _ = resp.Body.Read(make([]byte, 4096))
		resp.Body.Close()
	}
	for _, w := range wires {
		_ = w.c.CloseNow()
	}
	_ = stalled.Close()
	waitIdle(ctx, t, n)
}

// TestHostileNetworkClose: Close ends hostile work whose clients are still
// connected.
func TestHostileNetworkClose(t *testing.T) {
	n := hostileNet(t, Options{StreamRate: 1000})
	m := n.Manifest()
	ctx := testCtx(t)
	for _, p := range []Profile{EndlessStream, Silent, AuthLoop} {
		w := mustWire(ctx, t, n, onlyRelay(t, m, p).URL)
		w.send(ctx, "REQ", "a", nostr.Filter{})
	}
	ts := onlyRelay(t, m, TCPStall)
	var d net.Dialer
	if c, err := d.DialContext(ctx, "tcp", net.JoinHostPort(ts.IP, itoa(ts.Port))); err == nil {
		defer c.Close()
	}
	for n.HostileActive() < 4 && ctx.Err() == nil {
		time.Sleep(5 * time.Millisecond)
	}
	n.Close()
	waitIdle(ctx, t, n)
}

// TestHostileCloseStream: CLOSE ends a stream while the connection stays.
func TestHostileCloseStream(t *testing.T) {
	n := hostileNet(t, Options{StreamRate: 1000})
	ctx := testCtx(t)
	r := n.byURL[onlyRelay(t, n.Manifest(), EndlessStream).URL]
	w := mustWire(ctx, t, n, r.plan.url)
	w.send(ctx, "REQ", "a", nostr.Filter{})
	w.frames(ctx, 10)
	w.send(ctx, "CLOSE", "a")
	for r.busy.Load() != 1 { // the session itself
		if ctx.Err() != nil {
			t.Fatalf("stream still running after CLOSE: busy %d", r.busy.Load())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestHostileBudget: an endless stream stops at StreamMax frames, without
// EOSE, even if the client stays.
func TestHostileBudget(t *testing.T) {
	const budget = 40
	n := hostileNet(t, Options{StreamMax: budget, StreamRate: 10000})
	ctx := testCtx(t)
	m := n.Manifest()
	if m.Hostility.StreamMax != budget || m.Hostility.StreamRate != 10000 || m.Hostility.DripEveryMS != testDrip.Milliseconds() {
		t.Errorf("manifest hostility %+v", m.Hostility)
	}
	for _, p := range []Profile{EndlessStream, RepeatLoop, NoticeDrip} {
		w := mustWire(ctx, t, n, onlyRelay(t, m, p).URL)
		w.send(ctx, "REQ", "a", nostr.Filter{})
		got := 0
		for {
			if _, ok := w.silentFor(ctx, quiet); ok {
				break
			}
			got++
		}
		if got != budget {
			t.Errorf("%s: %d frames, want the budget of %d", p, got, budget)
		}
	}
	waitIdle(ctx, t, n)
}

// TestBehaviors: every profile is described, raw profiles speak through the
// raw session, and HostileMix selects exactly the hostile ones.
func TestBehaviors(t *testing.T) {
	for _, p := range Profiles() {
		b, ok := behaviors[p]
		if !ok || b.Summary == "" || b.REQEnd == "" || b.OK == "" {
			t.Errorf("%s: behavior %+v", p, b)
		}
		if b.Endless && b.REQEnd == EndEOSE && !b.DistinctEvents && p != PingFlood {
			t.Errorf("%s: endless but ends with EOSE", p)
		}
	}
	for p := range rawProfiles {
		if _, ok := profileTraits[p]; !ok || !behaviors[p].Hostile {
			t.Errorf("raw profile %s is not a hostile profile", p)
		}
	}
	if len(Profiles()) < 30 || len(HostileProfiles()) != len(HostileMix) {
		t.Errorf("%d profiles, %d hostile, %d in HostileMix", len(Profiles()), len(HostileProfiles()), len(HostileMix))
	}
	for p := range DefaultMix {
		if rawProfiles[p] {
			t.Errorf("DefaultMix holds raw hostile profile %s", p)
		}
	}
	mix := MergeMix(DefaultMix, HostileMix)
	if err := validateMix(mix); err != nil || mix[Healthy] != DefaultMix[Healthy] || mix[Flood] != DefaultMix[Flood]+1 {
		t.Errorf("merged mix: %v", err)
	}
}
