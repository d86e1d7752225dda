package probe

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/bigbrotr/bigbrotr/schema"
	"github.com/bigbrotr/bigbrotr/testnet"
)

// TestTable runs every registered probe on a healthy relay, twice: each
// succeeds, reports its own check, and, but for the timings that are data
// (RTT and the DNS query time), gives the same snapshot both times.
func TestTable(t *testing.T) {
	n := testNet(t)
	r := relayOf(t, n, testnet.Healthy, testnet.Clearnet, 2)
	if len(Table) != len(Checks) {
		t.Fatalf("Table has %d probes, Checks %d", len(Table), len(Checks))
	}
	tg := netTarget(t, n, r.URL)
	tg.GeoIP = testGeoIP(t, n)
	for _, c := range Checks {
		probe, found := Table[c]
		if !found {
			t.Fatalf("no probe for %s", c)
		}
		var ids [2][32]byte
		for i := range ids {
			tg := tg
			if raceDetector && c == CheckRTT {
				tg.Signer = nil // see race_on_test.go
			}
			out, err := probe(probeCtx(t, 10*time.Second), tg)
			if err != nil {
				t.Fatalf("%s: %v", c, err)
			}
			st := out.State()
			if out.Check() != c || st.Took <= 0 {
				t.Errorf("%s: check %q took %v", c, out.Check(), st.Took)
			}
			// http finds no Server header on testnet relays: data, not an error.
			if !st.Success && !(c == CheckHTTP && st.Reason == ReasonNoHeaders) {
				t.Errorf("%s: %q %s", c, st.Reason, st.Detail)
			}
			data, id, err := schema.Canonical(out)
			if err != nil {
				t.Fatalf("%s: canonical: %v", c, err)
			}
			ids[i] = id
			if i == 0 {
				t.Logf("%s: %s", c, data)
			}
		}
		if c != CheckRTT && c != CheckDNS && ids[0] != ids[1] {
			t.Errorf("%s: the snapshot of an unchanged relay changed", c)
		}
	}
}

func TestTableErrorsAreUntyped(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, c := range Checks {
		out, err := Table[c](ctx, Target{})
		if err == nil || out != nil {
			t.Errorf("%s on an empty target: %v, %v", c, out, err)
		}
		if !errors.Is(err, ErrBadTarget) {
			t.Errorf("%s: %v, want ErrBadTarget", c, err)
		}
	}
}

// TestCancelled: a cancelled probe is an error, not a timeout outcome.
func TestCancelled(t *testing.T) {
	n := testNet(t)
	r := relayOf(t, n, testnet.Slow, testnet.Clearnet, 0)
	tg := netTarget(t, n, r.URL)
	tg.GeoIP = testGeoIP(t, n)
	for _, c := range Checks {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := Table[c](ctx, tg); !errors.Is(err, context.Canceled) {
			t.Errorf("%s: got %v, want context.Canceled", c, err)
		}
	}
}

func TestTruncate(t *testing.T) {
	if got := truncate("héllo", 2); got != "h..." {
		t.Errorf("truncate split a rune: %q", got)
	}
	if got := truncate("abc", 3); got != "abc" {
		t.Errorf("truncate(abc, 3) = %q", got)
	}
}
