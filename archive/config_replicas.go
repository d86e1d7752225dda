package archive

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// CheckReplicas judges read_urls against url once the latter is resolved
// (it may come from url_file or the environment, which Validate does not
// see): replicas need a PostgreSQL primary, and a replica listed twice, or
// the primary listed as its own replica, is a mistake the health check
// would only report as "not a standby" at run time. One problem a line.
func (c Config) CheckReplicas() error {
	if len(c.ReadURLs) == 0 {
		return nil
	}
	var errs []error
	if !IsPostgres(c.URL) {
		errs = append(errs, errors.New("database.read_urls: replicas need database.url = postgres://... (the embedded store has none)"))
	}
	seen := map[string]int{serverOf(c.URL): -1}
	for i, u := range c.ReadURLs {
		if !IsPostgres(u) {
			continue // Validate reports it
		}
		key := serverOf(u)
		switch j, dup := seen[key]; {
		case dup && j < 0:
			errs = append(errs, fmt.Errorf("database.read_urls[%d]: names the same server and database as database.url; list the standbys", i))
		case dup:
			errs = append(errs, fmt.Errorf("database.read_urls[%d]: names the same server and database as read_urls[%d]", i, j))
		default:
			seen[key] = i
		}
	}
	return errors.Join(errs...)
}

// serverOf reduces a postgres:// URL to host:port/database, lowercased,
// so spellings differing in user, password or options compare equal.
func serverOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	host := u.Host
	if h := u.Query().Get("host"); h != "" {
		host = h // a unix socket directory, or hosts given as an option
	}
	if u.Port() == "" && !strings.Contains(host, "/") {
		host += ":5432"
	}
	return strings.ToLower(host) + "/" + strings.TrimPrefix(u.Path, "/")
}
