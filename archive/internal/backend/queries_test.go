package backend

import (
	"strings"
	"testing"
	"testing/fstest"
)

type twoStatements struct {
	Get string `sql:"get"`
	Put string `sql:"put"`
}

func TestLoadQueries(t *testing.T) {
	files := fstest.MapFS{
		"a.sql": {Data: []byte("-- name: get\n-- reads one row\nSELECT 1\n  -- kept: inside the statement\nFROM t;\n")},
		"b.sql": {Data: []byte("-- the file's own header\n\n-- name: put\nINSERT INTO t VALUES (1);\n")},
	}
	var q twoStatements
	if err := LoadQueries(files, &q); err != nil {
		t.Fatal(err)
	}
	if q.Get != "SELECT 1\n  -- kept: inside the statement\nFROM t" || q.Put != "INSERT INTO t VALUES (1)" {
		t.Fatalf("loaded %q and %q", q.Get, q.Put)
	}
}

// The files and the struct are one list: a statement missing from either,
// or named twice, fails the load.
func TestLoadQueriesIncomplete(t *testing.T) {
	for _, tt := range []struct {
		name  string
		files fstest.MapFS
		want  string
	}{
		{"missing", fstest.MapFS{"a.sql": {Data: []byte("-- name: get\nSELECT 1;\n")}}, "missing from the .sql files: [put]"},
		{"unused", fstest.MapFS{"a.sql": {Data: []byte("-- name: get\nSELECT 1;\n-- name: put\nSELECT 2;\n-- name: extra\nSELECT 3;\n")}}, "no field runs: [extra]"},
		{"twice", fstest.MapFS{
			"a.sql": {Data: []byte("-- name: get\nSELECT 1;\n-- name: put\nSELECT 2;\n")},
			"b.sql": {Data: []byte("-- name: get\nSELECT 3;\n")},
		}, "named twice"},
		{"empty", fstest.MapFS{"a.sql": {Data: []byte("-- name: get\n-- name: put\nSELECT 2;\n")}}, "is empty"},
		{"stray text", fstest.MapFS{"a.sql": {Data: []byte("SELECT 0;\n-- name: get\nSELECT 1;\n-- name: put\nSELECT 2;\n")}}, "before the first"},
		{"no files", fstest.MapFS{}, "no .sql files"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var q twoStatements
			err := LoadQueries(tt.files, &q)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one containing %q", err, tt.want)
			}
		})
	}
}
