package testnet

import (
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"

	"github.com/maxmind/mmdbwriter"
	"github.com/maxmind/mmdbwriter/mmdbtype"
)

// Geo is what the testnet's GeoIP databases say about a relay's address.
type Geo struct {
	Country   string  `json:"country"` // ISO 3166-1 alpha-2
	City      string  `json:"city"`
	Latitude  float64 `json:"latitude"`
	Longitude float64 `json:"longitude"`
	TimeZone  string  `json:"time_zone"`
	ASN       uint32  `json:"asn"`
	ASOrg     string  `json:"as_org"`
}

type city struct {
	geonameID            uint32
	name, country, cname string
	continent, contName  string
	lat, lon             float64
	tz                   string
	eu                   bool
}

var cities = []city{
	{2950159, "Berlin", "DE", "Germany", "EU", "Europe", 52.5244, 13.4105, "Europe/Berlin", true},
	{2643743, "London", "GB", "United Kingdom", "EU", "Europe", 51.5085, -0.1257, "Europe/London", false},
	{2988507, "Paris", "FR", "France", "EU", "Europe", 48.8534, 2.3488, "Europe/Paris", true},
	{2759794, "Amsterdam", "NL", "Netherlands", "EU", "Europe", 52.374, 4.8897, "Europe/Amsterdam", true},
	{660158, "Helsinki", "FI", "Finland", "EU", "Europe", 60.1695, 24.9354, "Europe/Helsinki", true},
	{5128581, "New York", "US", "United States", "NA", "North America", 40.7143, -74.006, "America/New_York", false},
	{5391959, "San Francisco", "US", "United States", "NA", "North America", 37.7749, -122.4194, "America/Los_Angeles", false},
	{6167865, "Toronto", "CA", "Canada", "NA", "North America", 43.7001, -79.4163, "America/Toronto", false},
	{3448439, "São Paulo", "BR", "Brazil", "SA", "South America", -23.5475, -46.6361, "America/Sao_Paulo", false},
	{1850147, "Tokyo", "JP", "Japan", "AS", "Asia", 35.6895, 139.6917, "Asia/Tokyo", false},
	{1880252, "Singapore", "SG", "Singapore", "AS", "Asia", 1.2897, 103.8501, "Asia/Singapore", false},
	{2147714, "Sydney", "AU", "Australia", "OC", "Oceania", -33.8679, 151.2073, "Australia/Sydney", false},
	{993800, "Johannesburg", "ZA", "South Africa", "AF", "Africa", -26.2023, 28.0436, "Africa/Johannesburg", false},
}

var countryIDs = map[string]uint32{
	"DE": 2921044, "GB": 2635167, "FR": 3017382, "NL": 2750405, "FI": 660013, "US": 6252001,
	"CA": 6251999, "BR": 3469034, "JP": 1861060, "SG": 1880251, "AU": 2077456, "ZA": 953987,
}

var continentIDs = map[string]uint32{
	"AF": 6255146, "AS": 6255147, "EU": 6255148, "NA": 6255149, "OC": 6255151, "SA": 6255150,
}

var asns = []struct {
	n   uint32
	org string
}{
	{24940, "Hetzner Online GmbH"}, {16276, "OVH SAS"}, {14061, "DIGITALOCEAN-ASN"},
	{16509, "AMAZON-02"}, {13335, "CLOUDFLARENET"}, {63949, "Akamai Connected Cloud"},
	{20473, "AS-VULTR"}, {396982, "GOOGLE-CLOUD-PLATFORM"}, {51167, "Contabo GmbH"},
}

// geoFor picks a relay's location and network from the seed.
func geoFor(seed int64, p *relayPlan) (Geo, city) {
	rng := subRNG(seed, "geo/"+p.host)
	c := cities[rng.IntN(len(cities))]
	a := asns[rng.IntN(len(asns))]
	return Geo{Country: c.country, City: c.name, Latitude: c.lat, Longitude: c.lon,
		TimeZone: c.tz, ASN: a.n, ASOrg: a.org}, c
}

func names(en string) mmdbtype.Map { return mmdbtype.Map{"en": mmdbtype.String(en)} }

func cityRecord(g Geo, c city) mmdbtype.Map {
	country := mmdbtype.Map{
		"geoname_id": mmdbtype.Uint32(countryIDs[c.country]), "iso_code": mmdbtype.String(c.country),
		"names": names(c.cname), "is_in_european_union": mmdbtype.Bool(c.eu),
	}
	return mmdbtype.Map{
		"city":               mmdbtype.Map{"geoname_id": mmdbtype.Uint32(c.geonameID), "names": names(c.name)},
		"continent":          mmdbtype.Map{"code": mmdbtype.String(c.continent), "geoname_id": mmdbtype.Uint32(continentIDs[c.continent]), "names": names(c.contName)},
		"country":            country,
		"registered_country": country,
		"location": mmdbtype.Map{
			"latitude": mmdbtype.Float64(g.Latitude), "longitude": mmdbtype.Float64(g.Longitude),
			"time_zone": mmdbtype.String(g.TimeZone), "accuracy_radius": mmdbtype.Uint16(20),
		},
	}
}

// writeGeoIP writes GeoLite2-City.mmdb and GeoLite2-ASN.mmdb into dir,
// covering every relay address (127/8 is reserved, hence IncludeReservedNetworks).
func writeGeoIP(dir string, seed int64, plans []*relayPlan) (cityPath, asnPath string, err error) {
	cityTree, err := mmdbwriter.New(mmdbwriter.Options{DatabaseType: "GeoLite2-City", IncludeReservedNetworks: true,
		BuildEpoch: 1767225600, Description: map[string]string{"en": "bigbrotr testnet City"}, RecordSize: 28})
	if err != nil {
		return "", "", fmt.Errorf("geoip city: %w", err)
	}
	asnTree, err := mmdbwriter.New(mmdbwriter.Options{DatabaseType: "GeoLite2-ASN", IncludeReservedNetworks: true,
		BuildEpoch: 1767225600, Description: map[string]string{"en": "bigbrotr testnet ASN"}, RecordSize: 24})
	if err != nil {
		return "", "", fmt.Errorf("geoip asn: %w", err)
	}
	v6done := false
	for _, p := range plans {
		g, c := geoFor(seed, p)
		addrs := []netip.Addr{p.ip}
		if p.ipv6 && !v6done {
			addrs, v6done = append(addrs, netip.IPv6Loopback()), true
		}
		for _, a := range addrs {
			n := &net.IPNet{IP: a.AsSlice(), Mask: net.CIDRMask(a.BitLen(), a.BitLen())}
			if err := cityTree.Insert(n, cityRecord(g, c)); err != nil {
				return "", "", fmt.Errorf("geoip city insert %s: %w", a, err)
			}
			rec := mmdbtype.Map{"autonomous_system_number": mmdbtype.Uint32(g.ASN),
				"autonomous_system_organization": mmdbtype.String(g.ASOrg)}
			if err := asnTree.Insert(n, rec); err != nil {
				return "", "", fmt.Errorf("geoip asn insert %s: %w", a, err)
			}
		}
	}
	cityPath = filepath.Join(dir, "GeoLite2-City.mmdb")
	asnPath = filepath.Join(dir, "GeoLite2-ASN.mmdb")
	for path, tree := range map[string]*mmdbwriter.Tree{cityPath: cityTree, asnPath: asnTree} {
		if err := writeTree(path, tree); err != nil {
			return "", "", err
		}
	}
	return cityPath, asnPath, nil
}

func writeTree(path string, t *mmdbwriter.Tree) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("geoip: %w", err)
	}
	if _, err := t.WriteTo(f); err != nil {
		_ = f.Close()
		return fmt.Errorf("geoip: write %s: %w", path, err)
	}
	return f.Close()
}
