package archive

import (
	"context"
	"errors"
)

// openPostgres is replaced by the PostgreSQL backend.
func openPostgres(ctx context.Context, o Options) (Store, error) {
	return nil, errors.New("postgres store not built yet")
}
