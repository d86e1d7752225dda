package backend

import (
	"errors"
	"log/slog"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Sentinel errors callers branch on.
var (
	// ErrSchemaTooNew: the database was migrated by a newer bigbrotr.
	ErrSchemaTooNew = errors.New("database schema is newer than this binary")
	// ErrCorrupt: the embedded store file is not a usable database.
	ErrCorrupt = errors.New("store file is corrupt or not a bigbrotr database")
	// ErrUnreachable: the database server could not be reached.
	ErrUnreachable = errors.New("database unreachable")
)

// Mode selects how much of each event is kept.
type Mode string

const (
	// Full keeps every field of every event.
	Full Mode = "full"
	// Lil keeps id, pubkey, created_at, kind and the indexed tag values only
	// (no tags JSON, content or signature), as the seed's LilBrotr, except
	// for the events of Options.Whole authors, which are kept whole.
	Lil Mode = "lil"
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
	// ReadURLs are hot standbys streaming from URL (PostgreSQL only). A
	// read whose context carries AllowReplica goes to a healthy one of
	// them, round-robin, and to URL when none is healthy; everything else
	// (writes, leases, migrations, reads without the mark) goes to URL.
	ReadURLs []string
	// ReadMaxLag is how far behind the primary a replica may replay and
	// still be read from; 0 is DefaultReadMaxLag.
	ReadMaxLag time.Duration
	// ReadCheckInterval is how often each replica's health and lag are
	// measured; 0 is DefaultReadCheckInterval.
	ReadCheckInterval time.Duration
}

// Replica reads: what a standby may lag and how often it is checked when
// Options leave them zero.
const (
	DefaultReadMaxLag        = 30 * time.Second
	DefaultReadCheckInterval = 2 * time.Second
)

// DefaultCacheMB is the embedded store's page-cache budget when
// Options.CacheMB is 0.
const DefaultCacheMB = 16

// WithDefaults fills what the caller left zero: full mode, a discarding
// logger, the replica lag bound and check interval.
func (o Options) WithDefaults() Options {
	if o.Mode == "" {
		o.Mode = Full
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.ReadMaxLag == 0 {
		o.ReadMaxLag = DefaultReadMaxLag
	}
	if o.ReadCheckInterval == 0 {
		o.ReadCheckInterval = DefaultReadCheckInterval
	}
	return o
}

// MaxTagValue is the longest tag value the indexes hold as itself; longer
// ones (and those holding NUL) are indexed by a fixed-size digest, so a
// hostile event cannot overflow an index row, and are still stored whole.
const MaxTagValue = 2048

// Redact hides a password in a connection URL before it is logged.
func Redact(url string) string {
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
