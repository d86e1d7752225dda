package main

import (
	"go/parser"
	"go/token"
	"strings"
	"testing"
)

// TestPackageDocCurrent keeps main.go's package documentation in step with
// the CLI: every command the dispatcher knows, every global flag and every
// exit code is named there.
func TestPackageDocCurrent(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "main.go", nil, parser.ParseComments|parser.PackageClauseOnly)
	if err != nil {
		t.Fatal(err)
	}
	doc := f.Doc.Text()
	want := []string{"testnet", "help COMMAND", "--config PATH", "--log-level", "--log-format", "0 success", "1 runtime failure", "2 usage or configuration error"}
	for name := range summaries {
		want = append(want, name)
	}
	for _, w := range want {
		if !strings.Contains(doc, w) {
			t.Errorf("package doc does not mention %q", w)
		}
	}
	// and usage, the --help text, lists the same commands
	for name := range summaries {
		if !strings.Contains(usage, "\n  "+name+" ") {
			t.Errorf("usage does not list %q", name)
		}
	}
}
