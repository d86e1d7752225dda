package testnet

import (
	"net"
	"path/filepath"
	"testing"

	"github.com/oschwald/geoip2-golang"
)

func TestGeoIPReadBack(t *testing.T) {
	n := startNet(t, Options{Relays: 30, Seed: 11})
	m := n.Manifest()
	city, err := geoip2.Open(filepath.Join(n.Dir(), m.GeoIPCity))
	if err != nil {
		t.Fatal(err)
	}
	defer city.Close()
	asn, err := geoip2.Open(filepath.Join(n.Dir(), m.GeoIPASN))
	if err != nil {
		t.Fatal(err)
	}
	defer asn.Close()
	if city.Metadata().DatabaseType != "GeoLite2-City" || asn.Metadata().DatabaseType != "GeoLite2-ASN" {
		t.Fatalf("database types %q, %q", city.Metadata().DatabaseType, asn.Metadata().DatabaseType)
	}
	checked := 0
	for _, r := range m.Relays {
		if r.Geo == nil {
			if r.Network == Clearnet {
				t.Errorf("%s: clearnet relay without geo", r.URL)
			}
			continue
		}
		ip := net.ParseIP(r.IP)
		c, err := city.City(ip)
		if err != nil {
			t.Fatalf("%s: %v", r.IP, err)
		}
		g := r.Geo
		if c.Country.IsoCode != g.Country || c.City.Names["en"] != g.City || c.Location.TimeZone != g.TimeZone ||
			c.Location.Latitude != g.Latitude || c.Location.Longitude != g.Longitude || c.Continent.Code == "" {
			t.Errorf("%s: city record %+v, manifest %+v", r.IP, c, g)
		}
		a, err := asn.ASN(ip)
		if err != nil || a.AutonomousSystemNumber != uint(g.ASN) || a.AutonomousSystemOrganization != g.ASOrg {
			t.Errorf("%s: asn %+v %v, manifest %d %s", r.IP, a, err, g.ASN, g.ASOrg)
		}
		if r.IPv6 != "" {
			if c6, err := city.City(net.IPv6loopback); err != nil || c6.Country.IsoCode == "" {
				t.Errorf("::1 not mapped: %v", err)
			}
		}
		checked++
	}
	if checked == 0 {
		t.Fatal("no relay checked")
	}
	// An address outside the testnet is not in the databases.
	if c, err := city.City(net.ParseIP("8.8.8.8")); err != nil || c.Country.IsoCode != "" {
		t.Errorf("8.8.8.8 mapped to %q (%v)", c.Country.IsoCode, err)
	}
}
