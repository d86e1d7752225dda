package archive

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
)

// Options selects and configures a backend.
type Options struct {
	// URL is "" for the embedded store in DataDir, or postgres://...
	URL     string
	DataDir string
	Mode    Mode
	// Whole lists the hex pubkeys whose events are stored whole even in
	// lil mode (the node's own key, relay.writers): the node serves those
	// events to clients, and only whole events verify.
	Whole []string
	// Registerer receives the store's metrics; nil registers nothing.
	Registerer prometheus.Registerer
	Logger     *slog.Logger
	// MaxConns sizes the PostgreSQL pool (pgxpool's MaxConns); 0 leaves
	// the URL's pool_max_conns or pgx's default.
	MaxConns int
	// CacheMB is the embedded store's page-cache budget in MiB, shared out
	// between its connections; 0 is DefaultCacheMB.
	CacheMB int
}

// DefaultCacheMB is the embedded store's page-cache budget when
// Options.CacheMB is 0.
const DefaultCacheMB = 16

// IsPostgres reports whether url selects the PostgreSQL backend.
func IsPostgres(url string) bool {
	return strings.HasPrefix(url, "postgres://") || strings.HasPrefix(url, "postgresql://")
}

// Open connects to the selected backend and applies pending migrations
// (under an advisory lock on PostgreSQL). It fails with ErrSchemaTooNew,
// ErrCorrupt or ErrUnreachable (wrapped) when the store cannot be used.
func Open(ctx context.Context, o Options) (Store, error) {
	if o.Mode == "" {
		o.Mode = Full
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	switch {
	case o.URL == "":
		return openSQLite(ctx, o)
	case IsPostgres(o.URL):
		return openPostgres(ctx, o)
	default:
		return nil, fmt.Errorf("database.url: want \"\" or postgres://..., got scheme of %q", redact(o.URL))
	}
}

// redact hides a password in a connection URL before it is logged.
func redact(url string) string {
	at := strings.LastIndex(url, "@")
	scheme := strings.Index(url, "://")
	if at < 0 || scheme < 0 || at < scheme {
		return url
	}
	userinfo := url[scheme+3 : at]
	if user, _, ok := strings.Cut(userinfo, ":"); ok {
		return url[:scheme+3] + user + ":***" + url[at:]
	}
	return url
}
