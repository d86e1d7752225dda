package probe

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/netip"
	"time"

	"github.com/oschwald/geoip2-golang"
)

// GeoOutcome is where the GeoIP City database puts the relay's address.
type GeoOutcome struct {
	Status
	IP            string   `json:"ip,omitempty"`      // the address looked up
	Country       string   `json:"country,omitempty"` // ISO 3166-1 alpha-2: where the address is, else where it is registered
	CountryName   string   `json:"country_name,omitempty"`
	EU            bool     `json:"eu,omitempty"`
	Continent     string   `json:"continent,omitempty"` // two-letter code
	ContinentName string   `json:"continent_name,omitempty"`
	City          string   `json:"city,omitempty"`
	GeonameID     uint     `json:"geoname_id,omitempty"` // the city's
	Region        string   `json:"region,omitempty"`     // the most specific subdivision
	Postal        string   `json:"postal,omitempty"`
	Lat           *float64 `json:"lat,omitempty"`
	Lon           *float64 `json:"lon,omitempty"`
	AccuracyKM    uint16   `json:"accuracy_km,omitempty"`
	TimeZone      string   `json:"tz,omitempty"`      // IANA time zone
	Geohash       string   `json:"geohash,omitempty"` // of Lat/Lon, GeohashPrecision characters
}

// Check is CheckGeo.
func (*GeoOutcome) Check() Check { return CheckGeo }

// Geo looks up the relay's address (Target.Addrs, else resolved through the
// transport within Target.LookupTimeout) in the City database: the first
// address the database knows, IPv4 first. Clearnet only; ErrDisabled
// without a City database.
func Geo(ctx context.Context, t Target) (*GeoOutcome, error) {
	out := &GeoOutcome{}
	err := lookupProbe(ctx, t, CheckGeo, &out.Status, func(a netip.Addr) (bool, error) {
		rec, err := t.GeoIP.city.City(a.AsSlice())
		if err != nil {
			return false, err
		}
		return out.fill(a, rec), nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (o *GeoOutcome) fill(a netip.Addr, c *geoip2.City) bool {
	country := c.Country
	if country.IsoCode == "" {
		country = c.RegisteredCountry
	}
	o.Country, o.CountryName, o.EU = country.IsoCode, country.Names["en"], country.IsInEuropeanUnion
	o.Continent, o.ContinentName = c.Continent.Code, c.Continent.Names["en"]
	o.City, o.GeonameID = c.City.Names["en"], c.City.GeoNameID
	if n := len(c.Subdivisions); n > 0 {
		o.Region = c.Subdivisions[n-1].Names["en"]
	}
	o.Postal = c.Postal.Code
	o.TimeZone = c.Location.TimeZone
	loc := c.Location
	if (loc.Latitude != 0 || loc.Longitude != 0 || loc.AccuracyRadius != 0) && validCoord(loc.Latitude, 90) && validCoord(loc.Longitude, 180) {
		lat, lon := loc.Latitude, loc.Longitude
		o.Lat, o.Lon, o.AccuracyKM = &lat, &lon, loc.AccuracyRadius
		o.Geohash = Geohash(lat, lon, GeohashPrecision)
	}
	if o.Country == "" && o.City == "" && o.Lat == nil && o.TimeZone == "" {
		*o = GeoOutcome{Status: o.Status}
		return false
	}
	o.IP = a.String()
	return true
}

func validCoord(v, limit float64) bool { return !math.IsNaN(v) && v >= -limit && v <= limit }

// lookupProbe is the frame geo and net share: check the target, resolve,
// and run lookup on each address, IPv4 first, until one finds data.
func lookupProbe(ctx context.Context, t Target, check Check, st *Status, lookup func(netip.Addr) (bool, error)) error {
	if err := t.validate(false); err != nil {
		return err
	}
	if !Applies(check, t.URL) {
		return fmt.Errorf("probe %s %s: %w", check, t.URL, ErrNotApplicable)
	}
	if !t.GeoIP.Enabled(check) {
		return fmt.Errorf("probe %s %s: %w: no GeoIP database", check, t.URL, ErrDisabled)
	}
	start := time.Now()
	defer func() { st.Took = time.Since(start) }()
	pctx, cancel := bound(ctx)
	defer cancel()
	addrs, err := lookupAddrs(pctx, t)
	if e := abandoned(ctx, check, t.URL); e != nil {
		return e
	}
	if errors.Is(err, ErrBadTarget) {
		return err
	}
	if err != nil {
		*st = failed(reasonOf(err), err.Error())
		if st.Reason == ReasonError {
			st.Reason = ReasonDNS
		}
		return nil
	}
	if len(addrs) == 0 {
		*st = failed(ReasonNoRecords, "no address for "+t.URL.Host())
		return nil
	}
	var lastErr error
	for _, a := range addrs {
		if pctx.Err() != nil {
			*st = failed(ReasonTimeout, "lookups did not finish in time")
			return nil
		}
		found, err := lookup(a.Unmap())
		if err != nil {
			lastErr = err
			continue
		}
		if found {
			*st = ok()
			return nil
		}
	}
	if lastErr != nil {
		*st = failed(ReasonError, lastErr.Error())
		return nil
	}
	*st = failed(ReasonNoData, fmt.Sprintf("no data for %v", addrs))
	return nil
}
