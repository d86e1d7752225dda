package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"

	"github.com/bigbrotr/bigbrotr/archive/internal/backend"
	"github.com/bigbrotr/bigbrotr/schema"
)

// pgMigrationLock is the advisory lock key every bigbrotr node takes while
// migrating one database ("bigbrotr" in ASCII, truncated to 63 bits).
const pgMigrationLock int64 = 0x6269676272_6f7472

// migrate applies pending migrations, one transaction each: every known
// version not recorded yet, in order (versions may skip numbers). Every
// transaction first takes a transaction-scoped advisory lock and re-reads
// the version, so two nodes starting at once apply each step exactly once;
// a transaction-scoped lock (not a session one) keeps this safe behind
// PgBouncer in transaction mode. The mode is recorded with version 1 and
// checked on every later Open.
func (s *pgStore) migrate(ctx context.Context) error {
	migrations, err := schema.Migrations(schema.Postgres)
	if err != nil {
		return err
	}
	latest := migrations[len(migrations)-1].Version
	for {
		done, err := s.migrateStep(ctx, migrations, latest)
		if err != nil {
			return err
		}
		if done {
			return s.checkMode(ctx)
		}
	}
}

// migrateStep applies the next pending migration, or reports done.
func (s *pgStore) migrateStep(ctx context.Context, migrations []schema.Migration, latest int) (done bool, err error) {
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, stmts.MigrationLock, pgMigrationLock); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, stmts.CreateSchemaMigrations); err != nil {
			return err
		}
		rows, _ := tx.Query(ctx, stmts.AppliedVersions)
		applied, err := pgx.CollectRows(rows, pgx.RowTo[int])
		if err != nil {
			return err
		}
		if have := slices.Max(append(applied, 0)); have > latest {
			return fmt.Errorf("%w: %s is at version %d, this binary knows up to %d", backend.ErrSchemaTooNew, s.url, have, latest)
		}
		next := slices.IndexFunc(migrations, func(m schema.Migration) bool { return !slices.Contains(applied, m.Version) })
		if next < 0 {
			done = true
			return nil
		}
		m := migrations[next]
		if _, err := tx.Exec(ctx, m.SQL); err != nil {
			return fmt.Errorf("migration %04d_%s: %w", m.Version, m.Name, err)
		}
		if _, err := tx.Exec(ctx, stmts.RecordMigration, m.Version, m.Name); err != nil {
			return err
		}
		if m.Version == 1 {
			if _, err := tx.Exec(ctx, stmts.RecordMode, string(s.mode)); err != nil {
				return err
			}
		}
		s.log.Info("applied migration", "backend", "postgres", "version", m.Version, "name", m.Name)
		return nil
	})
	if err != nil {
		if errors.Is(err, backend.ErrSchemaTooNew) {
			return false, err
		}
		return false, pgErr(ctx, "migrate "+s.url, err)
	}
	return done, nil
}

// checkMode refuses a database created in the other mode: lil rows lack
// the columns full mode serves, and full rows would silently grow a lil
// archive.
func (s *pgStore) checkMode(ctx context.Context) error {
	var mode string
	err := s.pool.QueryRow(ctx, stmts.ReadMode).Scan(&mode)
	if err != nil {
		return pgErr(ctx, "read store mode of "+s.url, err)
	}
	if backend.Mode(mode) != s.mode {
		return fmt.Errorf("%s holds a %s-mode archive; it cannot be opened in %s mode", s.url, mode, s.mode)
	}
	return nil
}
