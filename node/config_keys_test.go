package node

import (
	"bytes"
	"os"
	"sort"
	"testing"

	"github.com/BurntSushi/toml"
)

// TestConfigExampleDocumentsEveryKey: equal values are not enough, since a
// key left out of the example still takes its default. Every key the
// configuration has must be written out in node.toml.example.
func TestConfigExampleDocumentsEveryKey(t *testing.T) {
	var buf bytes.Buffer
	if err := toml.NewEncoder(&buf).Encode(Default()); err != nil {
		t.Fatal(err)
	}
	want := keyPaths(t, buf.Bytes())
	data, err := os.ReadFile("../node.toml.example")
	if err != nil {
		t.Fatal(err)
	}
	have := keyPaths(t, data)
	for _, k := range want {
		if !hasKey(have, k) {
			t.Errorf("node.toml.example does not document %s", k)
		}
	}
	if len(want) < 40 {
		t.Fatalf("only %d keys found in Default(): the walk is broken", len(want))
	}
}

func keyPaths(t *testing.T, data []byte) []string {
	t.Helper()
	md, err := toml.Decode(string(data), &map[string]any{})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, k := range md.Keys() {
		out = append(out, k.String())
	}
	sort.Strings(out)
	return out
}

func hasKey(list []string, s string) bool {
	i := sort.SearchStrings(list, s)
	return i < len(list) && list[i] == s
}
