package probe

import (
	"bytes"
	"errors"
	"log/slog"
	"net/netip"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bigbrotr/bigbrotr/testnet"
)

var (
	geoOnce sync.Once
	geoDBs  *GeoIP
	geoErr  error
)

// testGeoIP opens the testnet's GeoIP databases once.
func testGeoIP(t *testing.T, n *testnet.Network) *GeoIP {
	t.Helper()
	geoOnce.Do(func() {
		m := n.Manifest()
		geoDBs, geoErr = OpenGeoIP(filepath.Join(n.Dir(), m.GeoIPCity), filepath.Join(n.Dir(), m.GeoIPASN), nil)
	})
	if geoErr != nil {
		t.Fatal(geoErr)
	}
	return geoDBs
}

func TestGeoNetTestnet(t *testing.T) {
	n := testNet(t)
	db := testGeoIP(t, n)
	for _, r := range []testnet.RelayInfo{
		relayOf(t, n, testnet.Healthy, testnet.Clearnet, 0),
		relayOf(t, n, testnet.Paid, testnet.Clearnet, 0),
		relayOf(t, n, testnet.Closed, testnet.Clearnet, 0), // down, but its address is known
	} {
		t.Run(r.Host, func(t *testing.T) {
			t.Parallel()
			tg := netTarget(t, n, r.URL)
			tg.GeoIP = db
			g, err := Geo(probeCtx(t, 5*time.Second), tg)
			if err != nil {
				t.Fatal(err)
			}
			want := r.Geo
			if !g.Success || g.Country != want.Country || g.City != want.City || g.TimeZone != want.TimeZone ||
				g.Lat == nil || *g.Lat != want.Latitude || *g.Lon != want.Longitude || g.IP != r.IP {
				t.Errorf("geo %+v, want %+v at %s", g, want, r.IP)
			}
			if g.Geohash != Geohash(want.Latitude, want.Longitude, 9) || len(g.Geohash) != 9 {
				t.Errorf("geohash %q", g.Geohash)
			}
			nt, err := Net(probeCtx(t, 5*time.Second), tg)
			if err != nil {
				t.Fatal(err)
			}
			if !nt.Success || nt.ASN != uint(want.ASN) || nt.ASOrg != want.ASOrg || nt.IPv4 != r.IP {
				t.Errorf("net %+v, want AS%d %q", nt, want.ASN, want.ASOrg)
			}
		})
	}
}

func TestGeoNetFailures(t *testing.T) {
	n := testNet(t)
	db := testGeoIP(t, n)
	healthy := relayOf(t, n, testnet.Healthy, testnet.Clearnet, 0)
	tor := relayOf(t, n, testnet.Healthy, testnet.Tor, 0)

	tg := netTarget(t, n, healthy.URL)
	tg.GeoIP = db
	tg.Addrs = []netip.Addr{netip.MustParseAddr("192.0.2.1")} // given addresses replace resolution
	if g, err := Geo(probeCtx(t, time.Second), tg); err != nil || g.Success || g.Reason != ReasonNoData {
		t.Errorf("unknown address: %+v %v", g, err)
	}
	if nt, err := Net(probeCtx(t, time.Second), tg); err != nil || nt.Success || nt.Reason != ReasonNoData {
		t.Errorf("unknown address: %+v %v", nt, err)
	}

	tg = netTarget(t, n, "wss://gone."+testnet.Zone)
	tg.GeoIP = db
	if g, err := Geo(probeCtx(t, time.Second), tg); err != nil || g.Reason != ReasonDNS {
		t.Errorf("unresolvable: %+v %v", g, err)
	}
	tg.Transport = nil
	if _, err := Geo(probeCtx(t, time.Second), tg); !errors.Is(err, ErrBadTarget) {
		t.Errorf("no transport, no addresses: %v", err)
	}

	tg = netTarget(t, n, tor.URL)
	tg.GeoIP = db
	if _, err := Net(probeCtx(t, time.Second), tg); !errors.Is(err, ErrNotApplicable) {
		t.Errorf("tor: %v", err)
	}
	tg = netTarget(t, n, healthy.URL)
	if _, err := Geo(probeCtx(t, time.Second), tg); !errors.Is(err, ErrDisabled) {
		t.Errorf("no databases: %v", err)
	}
}

func TestOpenGeoIP(t *testing.T) {
	n := testNet(t)
	m := n.Manifest()
	city, asn := filepath.Join(n.Dir(), m.GeoIPCity), filepath.Join(n.Dir(), m.GeoIPASN)
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))

	g, err := OpenGeoIP(filepath.Join(t.TempDir(), "missing.mmdb"), asn, logger)
	if err != nil {
		t.Fatal(err)
	}
	if g.Enabled(CheckGeo) || !g.Enabled(CheckNet) || g.Enabled(CheckRTT) {
		t.Errorf("enabled: geo %v net %v", g.Enabled(CheckGeo), g.Enabled(CheckNet))
	}
	if lines := strings.Count(logs.String(), "\n"); lines != 1 || !strings.Contains(logs.String(), "geo check disabled") {
		t.Errorf("want one log line naming the disabled check, got %q", logs.String())
	}
	if err := g.Close(); err != nil {
		t.Error(err)
	}
	if _, err := OpenGeoIP(asn, city, nil); err == nil {
		t.Error("databases of the wrong type accepted")
	}
	if _, err := OpenGeoIP(filepath.Join(n.Dir(), m.CAFile), "", nil); err == nil {
		t.Error("a PEM file accepted as a database")
	}
	var none *GeoIP
	if none.Enabled(CheckGeo) || none.Close() != nil {
		t.Error("nil GeoIP")
	}
}
