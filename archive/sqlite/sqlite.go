package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"runtime"

	_ "modernc.org/sqlite" // registers the pure-Go "sqlite" driver

	"github.com/bigbrotr/bigbrotr/archive/internal/backend"
)

// File is the embedded store's file name inside DataDir.
const File = "bigbrotr.db"

// liteStore is the embedded backend: one SQLite file in WAL mode, one
// writer connection (SQLite serialises writers anyway; one connection
// avoids busy retries between our own goroutines) and a pool of read-only
// connections that run beside it.
type liteStore struct {
	path    string
	mode    backend.Mode
	keep    backend.KeepRule // what SaveEvents keeps of each event
	write   *sql.DB
	read    *sql.DB
	log     *slog.Logger
	metrics *backend.StoreMetrics
	fills   backend.FillMarks // when each loop's lease fill last ran
	// writeStmts are prepared on the writer connection once.
	writeStmts *liteWrite
}

// Open opens (creating it if needed) the store file in o.DataDir and
// applies pending migrations. The store it returns satisfies
// archive.Store; callers outside archive use archive.Open.
func Open(ctx context.Context, o backend.Options) (*liteStore, error) {
	o = o.WithDefaults()
	if o.DataDir == "" {
		return nil, errors.New("embedded store: data_dir is empty")
	}
	if o.Mode != backend.Full && o.Mode != backend.Lil {
		return nil, fmt.Errorf("embedded store: unknown mode %q (want full or lil)", o.Mode)
	}
	if err := os.MkdirAll(o.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("embedded store: create data dir: %w", err)
	}
	path := filepath.Join(o.DataDir, File)
	s := &liteStore{path: path, mode: o.Mode, keep: backend.NewKeepRule(o.Mode, o.Whole), log: o.Logger}
	readers := max(4, 2*runtime.GOMAXPROCS(0))
	writeKiB, readKiB := liteCacheSplit(o.CacheMB, readers)
	var err error
	if s.write, err = sql.Open("sqlite", liteDSN(path, false, writeKiB)); err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	s.write.SetMaxOpenConns(1)
	s.write.SetMaxIdleConns(1)
	s.write.SetConnMaxIdleTime(0)
	s.write.SetConnMaxLifetime(0)
	if err := s.migrate(ctx); err != nil {
		s.write.Close()
		return nil, err
	}
	if s.writeStmts, err = s.prepareWrite(ctx); err != nil {
		s.write.Close()
		return nil, liteOpenErr(path, err)
	}
	if s.read, err = sql.Open("sqlite", liteDSN(path, true, readKiB)); err != nil {
		s.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	s.read.SetMaxOpenConns(readers)
	s.read.SetMaxIdleConns(readers)
	if err := s.read.PingContext(ctx); err != nil {
		s.Close()
		return nil, liteOpenErr(path, err)
	}
	if s.metrics, err = backend.NewStoreMetrics(o.Registerer, "sqlite"); err != nil {
		s.Close()
		return nil, err
	}
	o.Logger.Debug("embedded store open", "path", path, "mode", o.Mode)
	return s, nil
}

// liteCacheSplit shares the page-cache budget (MiB; 0: DefaultCacheMB)
// out between the connections, in KiB each: half to the writer, whose
// index pages every insert walks, and half across the readers, whose hot
// pages the OS page cache holds too. Each connection has its own cache, so
// the sum is what the store's page caches can take at most.
func liteCacheSplit(mb, readers int) (writeKiB, readKiB int) {
	if mb <= 0 {
		mb = backend.DefaultCacheMB
	}
	total := mb << 10
	writeKiB = max(total/2, 256)
	readKiB = max((total-total/2)/readers, 256)
	return writeKiB, readKiB
}

// liteDSN configures every connection the same way. WAL lets readers run
// beside the writer; synchronous=NORMAL is durable across application
// crashes in WAL mode and only risks the last commits on power loss, the
// usual trade for an archive that can re-sync. Writers take the lock at
// BEGIN (immediate) so a transaction never fails half-way on an upgrade.
func liteDSN(path string, readOnly bool, cacheKiB int) string {
	q := url.Values{}
	for _, p := range []string{
		"busy_timeout(10000)",
		"journal_mode(WAL)",
		"synchronous(NORMAL)",
		"foreign_keys(1)",
		fmt.Sprintf("cache_size(-%d)", cacheKiB), // this connection's share of the budget
		"temp_store(MEMORY)",
	} {
		q.Add("_pragma", p)
	}
	if readOnly {
		q.Add("_pragma", "query_only(1)")
	} else {
		q.Set("_txlock", "immediate")
	}
	return "file:" + liteEscapePath(path) + "?" + q.Encode()
}

// liteEscapePath makes a file path safe inside an SQLite URI filename.
func liteEscapePath(path string) string {
	return (&url.URL{Path: path}).EscapedPath()
}

func (s *liteStore) Mode() backend.Mode { return s.mode }

func (s *liteStore) Close() error {
	var errs []error
	if s.read != nil {
		errs = append(errs, s.read.Close())
	}
	if s.writeStmts != nil {
		s.writeStmts.close()
	}
	if s.write != nil {
		// Keep the planner's statistics fresh for the next start (cheap
		// when nothing changed), then a clean close checkpoints the WAL.
		if _, err := s.write.Exec(stmts.Optimize); err != nil {
			s.log.Debug("embedded store: PRAGMA optimize on close", "err", err)
		}
		errs = append(errs, s.write.Close())
	}
	return errors.Join(errs...)
}
