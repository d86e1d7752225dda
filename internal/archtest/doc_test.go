package archtest

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestArchitectureDoc keeps docs/architecture.md and the rules of this
// package one description: the package table must equal allowed, the
// third-party table thirdParty, the imported-only-by table importedOnlyBy.
func TestArchitectureDoc(t *testing.T) {
	path := filepath.Join(root(t), "docs", "architecture.md")
	pkgs, err := readTable(path, "| package | responsibility | may import (this module) |", 0, 2)
	if err != nil {
		t.Fatal(err)
	}
	// The module's root package is written by its import path in the
	// table, and by "" (its path relative to the module) in allowed.
	for k, deps := range pkgs {
		for i, d := range deps {
			if d == module {
				deps[i] = ""
			}
		}
		if k == module {
			delete(pkgs, k)
			pkgs[""] = deps
		}
	}
	compareRules(t, "docs/architecture.md package table", "allowed", pkgs, allowed)
	mods, err := readTable(path, "| module | may be imported only by |", 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	compareRules(t, "docs/architecture.md third-party table", "thirdParty", mods, thirdParty)
	only, err := readTable(path, "| package | may be imported only by |", 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	compareRules(t, "docs/architecture.md imported-only-by table", "importedOnlyBy", only, importedOnlyBy)
}

func TestReadTable(t *testing.T) {
	doc := "# x\n\n| a | b | c |\n|---|---|---|\n| `p` | text, `q` | `q`, `r` |\n| `s` | — | none |\n| `n` | x | any |\n\nafter\n| `z` | | none |\n"
	path := filepath.Join(t.TempDir(), "doc.md")
	if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := readTable(path, "| a | b | c |", 0, 2)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{"p": {"q", "r"}, "s": {}, "n": {"*"}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("readTable = %v, want %v", got, want)
	}
	for _, bad := range []string{"| `p` | x | q, `r` |", "| p | x | none |", "| `p` | x | `q` `r` |", "| `p` | x |"} {
		if err := os.WriteFile(path, []byte("| a | b | c |\n|---|---|---|\n"+bad+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := readTable(path, "| a | b | c |", 0, 2); err == nil {
			t.Errorf("readTable accepted the row %q", bad)
		}
	}
	if _, err := readTable(path, "| missing |", 0, 1); err == nil {
		t.Error("readTable found a table that is not there")
	}
}

func compareRules(t *testing.T, docName, varName string, doc, code map[string][]string) {
	t.Helper()
	for k, v := range doc {
		c, ok := code[k]
		switch {
		case !ok:
			t.Errorf("%s lists %s; %s does not", docName, k, varName)
		case !sameSet(v, c):
			t.Errorf("%s: %v in %s, %v in %s", k, v, docName, c, varName)
		}
	}
	for k := range code {
		if _, ok := doc[k]; !ok {
			t.Errorf("%s lists %s; %s does not", varName, k, docName)
		}
	}
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

var backquoted = regexp.MustCompile("`([^`]+)`")

// readTable reads the markdown table whose header line is header: the key
// is the backquoted name in column key, the value the list in column list
// (backquoted names separated by commas; "none" is empty, "any" is "*").
func readTable(path, header string, key, list int) (map[string][]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	out := map[string][]string{}
	in, line := false, 0
	for sc.Scan() {
		line++
		l := strings.TrimSpace(sc.Text())
		if !in {
			in = l == header
			continue
		}
		if !strings.HasPrefix(l, "|") {
			break
		}
		if strings.HasPrefix(l, "|---") {
			continue
		}
		cells := strings.Split(strings.Trim(l, "|"), "|")
		if len(cells) <= max(key, list) {
			return nil, fmt.Errorf("%s:%d: %d cells, want more than %d", path, line, len(cells), max(key, list))
		}
		name := strings.TrimSpace(cells[key])
		m := backquoted.FindStringSubmatch(name)
		if m == nil || m[0] != name {
			return nil, fmt.Errorf("%s:%d: first cell %q is not one backquoted name", path, line, name)
		}
		deps, err := parseList(strings.TrimSpace(cells[list]))
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, line, err)
		}
		if _, dup := out[m[1]]; dup {
			return nil, fmt.Errorf("%s:%d: %s listed twice", path, line, m[1])
		}
		out[m[1]] = deps
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if !in {
		return nil, fmt.Errorf("%s: no table with header %q", path, header)
	}
	return out, nil
}

func parseList(cell string) ([]string, error) {
	switch cell {
	case "none":
		return []string{}, nil
	case "any":
		return []string{"*"}, nil
	}
	deps := []string{}
	for _, part := range strings.Split(cell, ",") {
		part = strings.TrimSpace(part)
		m := backquoted.FindStringSubmatch(part)
		if m == nil || m[0] != part {
			return nil, fmt.Errorf("%q: want backquoted names separated by commas, none or any", cell)
		}
		deps = append(deps, m[1])
	}
	return deps, nil
}
