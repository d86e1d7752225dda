package archtest

import (
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/bigbrotr/bigbrotr"

// allowed maps each package to the packages of this module it may import
// (non-test code); "*" is any. It equals the package table of
// docs/architecture.md (TestArchitectureDoc). Every package may import
// internal/ ones besides.
var allowed = map[string][]string{
	"":                         {}, // the module root: the embedded seed list only
	"cmd/bigbrotr":             {"node", "testnet"},
	"node":                     {"*"},
	"nodekey":                  {},
	"relayserver":              {"schema", "archive", "policies"},
	"websource":                {"schema", "archive", "synchronizer", "monitor/probe", "monitor/quorum", "web", "changes"},
	"policies":                 {"schema"},
	"web":                      {"schema"},
	"discovery":                {"schema", "transport", "relayclient", "monitor/probe"},
	"monitor":                  {"schema", "transport", "relayclient", "monitor/probe"},
	"monitor/probe":            {"schema", "transport", "relayclient"},
	"monitor/quorum":           {"schema"},
	"changes":                  {"schema", "monitor/probe"},
	"alerts":                   {"schema", "transport", "relayclient", "monitor/probe", "changes"},
	"synchronizer":             {"schema", "transport", "relayclient"},
	"relayclient":              {"schema", "transport"},
	"archive":                  {"schema", "archive/internal/backend", "archive/postgres", "archive/sqlite"},
	"archive/postgres":         {"schema", "archive/internal/backend"},
	"archive/sqlite":           {"schema", "archive/internal/backend"},
	"archive/internal/backend": {"schema"},
	"transport":                {"schema"},
	"schema":                   {},
	"testnet":                  {"*"},
	// test-only helpers
	"archive/storetest": {"archive", "schema"},
	"internal/pgtest":   {},
	"internal/archtest": {},
	"internal/apitest":  {},
	"internal/opstest":  {},
	"internal/testdns":  {},
	"bench":             {"*"},
	"bench/frontdoor":   {"*"},
	"chaos":             {"testnet"},
	"bench/nnodes":      {"*"},
	"bench/scale":       {"*"},
	// shared helpers
	"internal/loop":       {},
	"internal/procstat":   {},
	"internal/benchchild": {"internal/procstat"},
	"internal/tomlstrict": {},
	// tools run by hand
	"internal/landgen": {},
}

// thirdParty lists modules only some packages (and their subpackages) may
// import directly; it equals the third-party table of docs/architecture.md.
var thirdParty = map[string][]string{
	"github.com/jackc/pgx":          {"archive/postgres"},
	"modernc.org/sqlite":            {"archive/sqlite"},
	"github.com/fiatjaf/khatru":     {"relayserver", "policies", "testnet"},
	"github.com/fiatjaf/eventstore": {"bench", "testnet", "archive", "relayserver"},
}

// importedOnlyBy lists packages of this module that only the named ones
// may import in non-test code, whatever the package table allows their
// importers ("any" included): the composition root and what it alone
// wires, and the simulated network, which is for the CLI and for tests. It
// equals the imported-only-by table of docs/architecture.md.
var importedOnlyBy = map[string][]string{
	"node":        {"cmd/bigbrotr"},
	"testnet":     {"cmd/bigbrotr"},
	"relayserver": {"node"},
	"websource":   {"node"},
}

type listed struct {
	ImportPath string
	Imports    []string
}

func TestImportGraph(t *testing.T) {
	cmd := exec.Command("go", "list", "-json", module+"/...")
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("go list: %v\n%s", err, ee.Stderr)
		}
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	seen := 0
	for {
		var p listed
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		seen++
		rel := strings.TrimPrefix(strings.TrimPrefix(p.ImportPath, module), "/")
		rules, known := allowed[rel]
		if !known && !strings.HasPrefix(rel, "internal/") {
			t.Errorf("package %s is not in the architecture table (add it to docs/architecture.md and to allowed)", rel)
			continue
		}
		for _, imp := range p.Imports {
			if strings.HasPrefix(imp, module+"/") {
				dep := strings.TrimPrefix(imp, module+"/")
				if !permitted(rules, dep) {
					t.Errorf("%s imports %s, which docs/architecture.md does not allow", rel, dep)
				}
				if only, ok := importedOnlyBy[dep]; ok && !slices.Contains(only, rel) {
					t.Errorf("%s imports %s; only %v may (docs/architecture.md, imported-only-by table)", rel, dep, only)
				}
				continue
			}
			for mod, owners := range thirdParty {
				if strings.HasPrefix(imp, mod) && !owned(owners, rel) {
					t.Errorf("%s imports %s; only %v may", rel, imp, owners)
				}
			}
		}
	}
	if seen == 0 {
		t.Fatal("go list returned no packages")
	}
}

func permitted(rules []string, dep string) bool {
	for _, r := range rules {
		if r == "*" || r == dep || strings.HasPrefix(dep, "internal/") {
			return true
		}
	}
	return false
}

func owned(owners []string, pkg string) bool {
	for _, o := range owners {
		if pkg == o || strings.HasPrefix(pkg, o+"/") {
			return true
		}
	}
	return false
}
