package schema

import (
	"encoding/hex"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var updateGolden = flag.Bool("update", false, "rewrite testdata/canonical/*.golden from the current output")

// TestCanonicalGolden: each testdata/canonical/NAME.json, as JSON text,
// canonicalizes to line 1 of NAME.golden with the hex id on line 2.
func TestCanonicalGolden(t *testing.T) {
	inputs, err := filepath.Glob("testdata/canonical/*.json")
	if err != nil || len(inputs) == 0 {
		t.Fatalf("no golden inputs: %v", err)
	}
	for _, in := range inputs {
		name := strings.TrimSuffix(filepath.Base(in), ".json")
		t.Run(name, func(t *testing.T) {
			raw, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			data, id, err := Canonical(json.RawMessage(raw))
			if err != nil {
				t.Fatal(err)
			}
			got := string(data) + "\n" + hex.EncodeToString(id[:]) + "\n"
			golden := strings.TrimSuffix(in, ".json") + ".golden"
			if *updateGolden {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./schema -run TestCanonicalGolden -update)", err)
			}
			if got != string(want) {
				t.Errorf("canonical form of %s changed:\ngot  %s\nwant %s", in, got, want)
			}
			// Fixed point: the output is its own canonical form.
			again, id2, err := Canonical(json.RawMessage(data))
			if err != nil || string(again) != string(data) || id2 != id {
				t.Errorf("not a fixed point: %s -> %s (%v)", data, again, err)
			}
		})
	}
}
