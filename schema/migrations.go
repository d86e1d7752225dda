package schema

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

//go:embed migrations
var migrationFS embed.FS

// Dialect names a storage backend whose migrations live in
// migrations/<dialect>/NNNN_name.sql.
type Dialect string

const (
	Postgres Dialect = "postgres"
	SQLite   Dialect = "sqlite"
)

// Migration is one numbered, immutable schema step. Released migrations are
// never edited: a change is always a new, higher-numbered file.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// Migrations returns the dialect's migrations in ascending version order.
func Migrations(d Dialect) ([]Migration, error) {
	dir := path.Join("migrations", string(d))
	entries, err := fs.ReadDir(migrationFS, dir)
	if err != nil {
		return nil, fmt.Errorf("read migrations for %s: %w", d, err)
	}
	var out []Migration
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		num, name, ok := strings.Cut(strings.TrimSuffix(e.Name(), ".sql"), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %s/%s: name must be NNNN_name.sql", d, e.Name())
		}
		body, err := fs.ReadFile(migrationFS, path.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("read migration %s/%s: %w", d, e.Name(), err)
		}
		out = append(out, Migration{Version: v, Name: name, SQL: string(body)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	// Versions may skip numbers (a number reserved by work not merged
	// yet): stores apply every version they have not recorded, in order.
	for i := 1; i < len(out); i++ {
		if out[i].Version == out[i-1].Version {
			return nil, fmt.Errorf("migrations for %s: version %d duplicated", d, out[i].Version)
		}
	}
	if len(out) > 0 && out[0].Version != 1 {
		return nil, fmt.Errorf("migrations for %s: version 1 missing", d)
	}
	return out, nil
}

// LatestVersion is the highest migration version this binary knows for d.
// A database stamped with a higher version was written by a newer binary.
func LatestVersion(d Dialect) int {
	m, err := Migrations(d)
	if err != nil || len(m) == 0 {
		return 0
	}
	return m[len(m)-1].Version
}
