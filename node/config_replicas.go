package node

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/bigbrotr/bigbrotr/archive"
)

// checkReadURLs judges database.read_urls against database.url once the
// latter is resolved (it may come from url_file or the environment):
// replicas need a PostgreSQL primary, and a replica listed twice, or the
// primary listed as its own replica, is a mistake the health check would
// only report as "not a standby" at run time.
func (d DatabaseConfig) checkReadURLs() []string {
	if len(d.ReadURLs) == 0 {
		return nil
	}
	var problems []string
	if !archive.IsPostgres(d.URL) {
		problems = append(problems, "database.read_urls: replicas need database.url = postgres://... (the embedded store has none)")
	}
	seen := map[string]int{serverOf(d.URL): -1}
	for i, u := range d.ReadURLs {
		if !archive.IsPostgres(u) {
			continue // validate reports it
		}
		key := serverOf(u)
		switch j, dup := seen[key]; {
		case dup && j < 0:
			problems = append(problems, fmt.Sprintf("database.read_urls[%d]: names the same server and database as database.url; list the standbys", i))
		case dup:
			problems = append(problems, fmt.Sprintf("database.read_urls[%d]: names the same server and database as read_urls[%d]", i, j))
		default:
			seen[key] = i
		}
	}
	return problems
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
