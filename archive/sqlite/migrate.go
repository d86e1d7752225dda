package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"slices"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/bigbrotr/bigbrotr/archive/internal/backend"
	"github.com/bigbrotr/bigbrotr/schema"
)

// migrate brings the file to the latest schema. It first inspects an
// existing file read-only, so a foreign file (random bytes, another
// program's database, a newer bigbrotr's schema) is refused before anything
// is written to it: not even the switch to WAL mode.
func (s *liteStore) migrate(ctx context.Context) error {
	migrations, err := schema.Migrations(schema.SQLite)
	if err != nil {
		return err
	}
	latest := migrations[len(migrations)-1].Version
	if st, err := os.Stat(s.path); err == nil && st.Size() > 0 {
		if err := liteProbe(ctx, s.path, latest); err != nil {
			return err
		}
	}

	tx, err := s.write.BeginTx(ctx, nil) // BEGIN IMMEDIATE: one migrator at a time
	if err != nil {
		return liteOpenErr(s.path, err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, stmts.CreateSchemaMigrations); err != nil {
		return liteOpenErr(s.path, err)
	}
	applied, err := liteApplied(ctx, tx)
	if err != nil {
		return liteOpenErr(s.path, err)
	}
	if current := slices.Max(append(applied, 0)); current > latest {
		return liteTooNew(s.path, current, latest)
	}
	// Every known version not recorded yet, in order: versions may skip
	// numbers.
	for _, m := range migrations {
		if slices.Contains(applied, m.Version) {
			continue
		}
		if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
			return fmt.Errorf("%s: migration %04d_%s: %w", s.path, m.Version, m.Name, err)
		}
		if _, err := tx.ExecContext(ctx, stmts.RecordMigration,
			m.Version, m.Name, time.Now().Unix()); err != nil {
			return fmt.Errorf("%s: record migration %d: %w", s.path, m.Version, err)
		}
		s.log.Info("embedded store migrated", "path", s.path, "version", m.Version, "name", m.Name)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("%s: commit migrations: %w", s.path, err)
	}
	// Refresh the planner's statistics where they are stale; cheap when not.
	if _, err := s.write.ExecContext(ctx, stmts.OptimizeAfterMigrate); err != nil {
		s.log.Warn("embedded store: PRAGMA optimize failed", "err", err)
	}
	return nil
}

func liteApplied(ctx context.Context, tx *sql.Tx) ([]int, error) {
	rows, err := tx.QueryContext(ctx, stmts.AppliedVersions)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// liteProbe opens path read-only and checks that it is an SQLite database
// that is either empty or a bigbrotr store this binary can read.
func liteProbe(ctx context.Context, path string, latest int) error {
	db, err := sql.Open("sqlite", liteDSNReadOnly(path))
	if err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	defer db.Close()
	var tables, ours int
	err = db.QueryRowContext(ctx, stmts.ProbeTables).Scan(&tables, &ours)
	if err != nil {
		return liteOpenErr(path, err)
	}
	if tables > 0 && ours == 0 {
		return fmt.Errorf("%w: %s has tables but no schema_migrations: not a bigbrotr database", backend.ErrCorrupt, path)
	}
	if ours == 0 {
		return nil
	}
	var current int
	if err := db.QueryRowContext(ctx, stmts.SchemaVersion).Scan(&current); err != nil {
		return liteOpenErr(path, err)
	}
	if current > latest {
		return liteTooNew(path, current, latest)
	}
	return nil
}

func liteDSNReadOnly(path string) string {
	return "file:" + liteEscapePath(path) + "?mode=ro&_pragma=busy_timeout(10000)&_pragma=query_only(1)"
}

func liteTooNew(path string, have, know int) error {
	return fmt.Errorf("%w: %s is at schema version %d, this binary knows versions up to %d (upgrade bigbrotr)",
		backend.ErrSchemaTooNew, path, have, know)
}

// liteOpenErr classifies an error met while opening: a file SQLite cannot
// read as a database is ErrCorrupt, naming the file.
func liteOpenErr(path string, err error) error {
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_CORRUPT:
			return fmt.Errorf("%w: %s: %v", backend.ErrCorrupt, path, err)
		}
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return fmt.Errorf("open %s: %w", path, err)
}
