package archive

import (
	"context"
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
