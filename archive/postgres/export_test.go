package postgres

import (
	"context"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/bigbrotr/bigbrotr/archive/internal/backend"
)

// OpenPostgresTuned opens the PostgreSQL store with its pool configuration
// adjusted by tune first.
func OpenPostgresTuned(ctx context.Context, o backend.Options, tune func(*pgxpool.Config)) (*pgStore, error) {
	return openPostgresTuned(ctx, o, tune)
}
