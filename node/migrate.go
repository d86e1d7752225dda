package node

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/bigbrotr/bigbrotr/archive"
	"github.com/bigbrotr/bigbrotr/schema"
)

// Migrate opens the configured archive, which applies any pending
// migrations (under an advisory lock on PostgreSQL), and closes it again.
// It returns a one-line description of the migrated store.
func Migrate(ctx context.Context, cfg Config, log *slog.Logger) (string, error) {
	st, err := archive.Open(ctx, archive.Options{
		URL:     cfg.Database.URL,
		DataDir: cfg.Node.DataDir,
		Mode:    archive.Mode(cfg.Database.Mode),
		Logger:  log,
	})
	if err != nil {
		return "", fmt.Errorf("open archive: %w", err)
	}
	if err := st.Close(); err != nil {
		return "", fmt.Errorf("close archive: %w", err)
	}
	d, where := schema.SQLite, "embedded store in "+cfg.Node.DataDir
	if cfg.Database.URL != "" {
		d, where = schema.Postgres, "PostgreSQL"
	}
	return fmt.Sprintf("%s is at schema version %d (mode %s)", where, schema.LatestVersion(d), st.Mode()), nil
}
