package archive

import (
	"context"
	"errors"
)

// openSQLite is replaced by the embedded backend.
func openSQLite(ctx context.Context, o Options) (Store, error) {
	return nil, errors.New("embedded store not built yet")
}
