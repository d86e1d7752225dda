package archive

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/bigbrotr/bigbrotr/archive/internal/backend"
	"github.com/bigbrotr/bigbrotr/archive/postgres"
	"github.com/bigbrotr/bigbrotr/archive/sqlite"
)

// Options selects and configures a backend (see its fields in
// archive/internal/backend, where both backends read them).
type Options = backend.Options

// DefaultCacheMB is the embedded store's page-cache budget when
// Options.CacheMB is 0.
const DefaultCacheMB = backend.DefaultCacheMB

// Replica reads when Options leave them zero: how far a standby may lag
// the primary and still be read from, and how often that is measured.
const (
	DefaultReadMaxLag        = backend.DefaultReadMaxLag
	DefaultReadCheckInterval = backend.DefaultReadCheckInterval
)

// SQLiteFile is the embedded store's file name inside DataDir.
const SQLiteFile = sqlite.File

// IsPostgres reports whether url selects the PostgreSQL backend.
func IsPostgres(url string) bool {
	return strings.HasPrefix(url, "postgres://") || strings.HasPrefix(url, "postgresql://")
}

// Open connects to the selected backend and applies pending migrations
// (under an advisory lock on PostgreSQL). It fails with ErrSchemaTooNew,
// ErrCorrupt or ErrUnreachable (wrapped) when the store cannot be used.
func Open(ctx context.Context, o Options) (Store, error) {
	switch {
	case o.URL == "" && len(o.ReadURLs) > 0:
		return nil, errors.New("database.read_urls: read replicas need database.url = postgres://... (the embedded store has none)")
	case o.URL == "":
		s, err := sqlite.Open(ctx, o)
		if err != nil {
			return nil, err
		}
		return s, nil
	case IsPostgres(o.URL):
		s, err := postgres.Open(ctx, o)
		if err != nil {
			return nil, err
		}
		return s, nil
	default:
		return nil, fmt.Errorf("database.url: want \"\" or postgres://..., got scheme of %q", backend.Redact(o.URL))
	}
}

// AllowReplica marks ctx so that the read-only Store calls made with it
// may be answered by one of Options.ReadURLs, up to its lag behind the
// primary (PostgreSQL; the embedded store ignores the mark). Mark what is
// served to clients; a read a write decision rests on stays unmarked.
func AllowReplica(ctx context.Context) context.Context { return backend.AllowReplica(ctx) }
