package probe

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"strings"

	"github.com/oschwald/geoip2-golang"
)

// GeoIP holds the GeoLite2-format databases the geo (City) and net (ASN)
// probes read. Open it once per node and share it: lookups are safe for
// concurrent use and never touch the network. Close it only after the last
// probe using it has returned.
type GeoIP struct {
	city *geoip2.Reader
	asn  *geoip2.Reader
}

// OpenGeoIP opens the City and ASN databases (monitor.geoip_city,
// monitor.geoip_asn). An empty path or a missing file disables the check
// that needs it, with one log line saying so; a file that exists but is not
// a database of the right type is an error, since it is a configuration
// mistake. The result is never nil when err is nil.
func OpenGeoIP(cityPath, asnPath string, logger *slog.Logger) (*GeoIP, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	g := &GeoIP{}
	var err error
	if g.city, err = openDB(cityPath, "City", "geo", logger); err != nil {
		return nil, err
	}
	if g.asn, err = openDB(asnPath, "ASN", "net", logger); err != nil {
		_ = g.Close()
		return nil, err
	}
	return g, nil
}

func openDB(path, kind, check string, logger *slog.Logger) (*geoip2.Reader, error) {
	if path == "" {
		logger.Info("geoip "+kind+" database not configured: "+check+" check disabled", "check", check)
		return nil, nil
	}
	r, err := geoip2.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		logger.Warn("geoip "+kind+" database missing: "+check+" check disabled", "check", check, "path", path)
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("open geoip %s database %s: %w", kind, path, err)
	}
	// GeoLite2-City, GeoIP2-City, DBIP-City-Lite ... all carry the kind.
	if dt := r.Metadata().DatabaseType; !strings.Contains(dt, kind) {
		_ = r.Close()
		return nil, fmt.Errorf("open geoip %s database %s: type %q is not a %s database", kind, path, dt, kind)
	}
	return r, nil
}

// Enabled reports whether the database check needs is open: geo needs
// City, net needs ASN. A nil GeoIP enables neither.
func (g *GeoIP) Enabled(check Check) bool {
	if g == nil {
		return false
	}
	switch check {
	case CheckGeo:
		return g.city != nil
	case CheckNet:
		return g.asn != nil
	}
	return false
}

// Close closes both databases.
func (g *GeoIP) Close() error {
	if g == nil {
		return nil
	}
	var errs []error
	for _, r := range []*geoip2.Reader{g.city, g.asn} {
		if r != nil {
			errs = append(errs, r.Close())
		}
	}
	g.city, g.asn = nil, nil
	return errors.Join(errs...)
}
