package archtest

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// shared lists the packages (and their subpackages) between which no
// exported value type may be declared twice: the records they exchange
// live once, in schema, so that adding a field is one edit and no layer
// converts them field by field.
var shared = []string{"schema", "archive", "discovery", "monitor", "synchronizer"}

// roleNames are declared by each package for itself: the same role (a
// package's settings, its constructor options, its counters) with
// different contents, not one value passed between packages.
var roleNames = map[string]bool{"Config": true, "Options": true, "Stats": true}

// root is the module's directory (this package is internal/archtest).
func root(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "go.mod")); err != nil {
		t.Fatalf("module root not found from %s: %v", dir, err)
	}
	return dir
}

func TestSharedTypesDeclaredOnce(t *testing.T) {
	decls, err := exportedTypes(root(t), shared)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range duplicates(decls) {
		t.Errorf("type %s is declared in %s: declare it once in schema (docs/architecture.md)", d.name, strings.Join(d.pkgs, " and "))
	}
	if len(decls["Relay"]) == 0 {
		t.Error("no declaration of Relay found: the scan reads the wrong directories")
	}
}

// TestDuplicateDetected keeps the check above able to fail: the fixture
// declares Record in two packages, and Config (a role name) in both too;
// a re-exports Shared from its own internal/ (not a duplicate), b aliases
// Leaked from a's internal/ (a duplicate).
func TestDuplicateDetected(t *testing.T) {
	decls, err := exportedTypes(filepath.Join("testdata", "dup"), []string{"a", "b"})
	if err != nil {
		t.Fatal(err)
	}
	got := duplicates(decls)
	if len(got) != 2 || got[0].name != "Leaked" || strings.Join(got[0].pkgs, ",") != "a/internal/inner,b" ||
		got[1].name != "Record" || strings.Join(got[1].pkgs, ",") != "a,b" {
		t.Fatalf("duplicates = %+v, want Leaked in a/internal/inner and b, Record in a and b, and not Shared", got)
	}
}

func TestNoAdapters(t *testing.T) {
	found, err := filepath.Glob(filepath.Join(root(t), "node", "*_adapter.go"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range found {
		t.Errorf("%s: the store satisfies the loops' interfaces as it is; no adapter belongs in node", filepath.Base(f))
	}
}

type duplicate struct {
	name string
	pkgs []string
}

// duplicates lists the exported names declared in more than one package,
// role names aside, sorted by name.
func duplicates(decls map[string][]string) []duplicate {
	var out []duplicate
	for name, pkgs := range decls {
		if len(pkgs) > 1 && !roleNames[name] {
			sort.Strings(pkgs)
			out = append(out, duplicate{name, pkgs})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// exportedTypes maps each exported type name declared (aliases included,
// interfaces excluded: a consumer declares its own) in the non-test Go
// files under dir/prefix, for each prefix, to the packages declaring it.
// An alias of a type of the package's own internal/ subtree (archive's
// Stats = backend.Stats, backend being archive/internal/backend) is that
// one declaration under its public name, not a second one.
func exportedTypes(dir string, prefixes []string) (map[string][]string, error) {
	decls := map[string][]string{}
	fset := token.NewFileSet()
	for _, prefix := range prefixes {
		err := filepath.WalkDir(filepath.Join(dir, prefix), func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				if d.Name() == "testdata" {
					return filepath.SkipDir
				}
				return nil
			}
			if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return nil
			}
			f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
			if err != nil {
				return err
			}
			pkg, _ := filepath.Rel(dir, filepath.Dir(path))
			pkg = filepath.ToSlash(pkg)
			for _, decl := range f.Decls {
				g, ok := decl.(*ast.GenDecl)
				if !ok || g.Tok != token.TYPE {
					continue
				}
				for _, spec := range g.Specs {
					ts := spec.(*ast.TypeSpec)
					if _, iface := ts.Type.(*ast.InterfaceType); iface || !ts.Name.IsExported() {
						continue
					}
					if reexportsOwnInternal(f, ts, pkg) {
						continue
					}
					if !contains(decls[ts.Name.Name], pkg) {
						decls[ts.Name.Name] = append(decls[ts.Name.Name], pkg)
					}
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return decls, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// reexportsOwnInternal reports whether ts is an alias (type T = x.T, same
// name) of a type declared in pkg's own internal/ subtree.
func reexportsOwnInternal(f *ast.File, ts *ast.TypeSpec, pkg string) bool {
	if !ts.Assign.IsValid() {
		return false
	}
	sel, ok := ts.Type.(*ast.SelectorExpr)
	if !ok || sel.Sel.Name != ts.Name.Name {
		return false
	}
	x, ok := sel.X.(*ast.Ident)
	if !ok {
		return false
	}
	for _, imp := range f.Imports {
		path := strings.Trim(imp.Path.Value, `"`)
		name := path[strings.LastIndex(path, "/")+1:]
		if imp.Name != nil {
			name = imp.Name.Name
		}
		if name == x.Name {
			return strings.Contains(path, "/"+pkg+"/internal/")
		}
	}
	return false
}
