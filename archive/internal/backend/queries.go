package backend

import (
	"fmt"
	"io/fs"
	"reflect"
	"sort"
	"strings"
)

// LoadQueries fills the string fields of the struct dst points to with the
// statements of the .sql files at the root of fsys, each field by its
// `sql:"name"` tag. A statement starts at a "-- name: x" line; the comment
// lines right after it document it and are not sent; the statement runs
// to the next name line, a trailing semicolon dropped. A field naming no
// statement, a statement no field names, or a name given twice is an
// error: the files and the code that runs them are one list, kept whole.
func LoadQueries(fsys fs.FS, dst any) error {
	found := map[string]string{}
	paths, err := fs.Glob(fsys, "*.sql")
	if err != nil {
		return err
	}
	if len(paths) == 0 {
		return fmt.Errorf("load queries: no .sql files")
	}
	for _, p := range paths {
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		if err := parseQueries(p, string(b), found); err != nil {
			return err
		}
	}
	v := reflect.ValueOf(dst)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return fmt.Errorf("load queries: want a pointer to a struct, got %T", dst)
	}
	v = v.Elem()
	named := map[string]bool{}
	var missing []string
	for i := range v.NumField() {
		f := v.Type().Field(i)
		name := f.Tag.Get("sql")
		if name == "" || f.Type.Kind() != reflect.String {
			return fmt.Errorf("load queries: field %s needs a string type and an sql tag", f.Name)
		}
		named[name] = true
		text, ok := found[name]
		if !ok {
			missing = append(missing, name)
			continue
		}
		v.Field(i).SetString(text)
	}
	var unused []string
	for name := range found {
		if !named[name] {
			unused = append(unused, name)
		}
	}
	sort.Strings(unused)
	if len(missing) > 0 || len(unused) > 0 {
		return fmt.Errorf("load queries: statements missing from the .sql files: %v; statements no field runs: %v", missing, unused)
	}
	return nil
}

// MustLoadQueries loads a backend's embedded statements (the .sql files
// in fsys's "queries" directory) into a T, once at init: an incomplete
// list is a build mistake, so it panics, and every test of the package
// fails.
func MustLoadQueries[T any](fsys fs.FS) T {
	var q T
	sub, err := fs.Sub(fsys, "queries")
	if err == nil {
		err = LoadQueries(sub, &q)
	}
	if err != nil {
		panic(err)
	}
	return q
}

func parseQueries(file, src string, found map[string]string) error {
	var (
		name string
		body []string
		doc  bool // still in the comment lines after the name
	)
	flush := func() error {
		if name == "" {
			return nil
		}
		text := strings.TrimSuffix(strings.TrimSpace(strings.Join(body, "\n")), ";")
		if text == "" {
			return fmt.Errorf("load queries: %s: statement %q is empty", file, name)
		}
		if _, dup := found[name]; dup {
			return fmt.Errorf("load queries: %s: statement %q is named twice", file, name)
		}
		found[name] = text
		return nil
	}
	for n, line := range strings.Split(src, "\n") {
		if rest, ok := strings.CutPrefix(line, "-- name:"); ok {
			if err := flush(); err != nil {
				return err
			}
			name, body, doc = strings.TrimSpace(rest), nil, true
			if name == "" {
				return fmt.Errorf("load queries: %s:%d: empty name", file, n+1)
			}
			continue
		}
		if name == "" {
			if strings.TrimSpace(line) != "" && !strings.HasPrefix(line, "--") {
				return fmt.Errorf("load queries: %s:%d: text before the first -- name: line", file, n+1)
			}
			continue
		}
		if doc && strings.HasPrefix(line, "--") {
			continue
		}
		doc = false
		body = append(body, line)
	}
	return flush()
}
