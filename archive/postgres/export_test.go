package archive

import (
	"context"
	"log/slog"

	"github.com/jackc/pgx/v5/pgxpool"
)

// OpenPostgresTuned opens the PostgreSQL store with its pool configuration
// adjusted by tune first.
func OpenPostgresTuned(ctx context.Context, o Options, tune func(*pgxpool.Config)) (Store, error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return openPostgresTuned(ctx, o, tune)
}
