package bench

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestGenerateIsDeterministicAcrossCores(t *testing.T) {
	p := Params{N: 9000, Seed: 7}
	a := Generate(p)
	prev := runtime.GOMAXPROCS(1)
	b := Generate(p)
	runtime.GOMAXPROCS(prev)
	c := Generate(Params{N: 9000, Seed: 8})
	same := 0
	for i := range a {
		if a[i].String() != b[i].String() {
			t.Fatalf("event %d differs between runs:\n%s\n%s", i, a[i], b[i])
		}
		if a[i].ID == c[i].ID {
			same++
		}
	}
	if same > 0 {
		t.Errorf("%d events identical under another seed", same)
	}
}

// TestGenerateMix checks the properties the benchmarks rely on: correct
// ids, the kind mix, tag and content bounds, and what the store's storage
// rules would refuse never appearing.
func TestGenerateMix(t *testing.T) {
	events := Generate(Params{N: 20000, Seed: 1})
	kinds := map[int]int{}
	authors := map[string]bool{}
	tagNames := map[string]int{}
	var replies, maxFollows int
	for i, ev := range events {
		if !ev.CheckID() {
			t.Fatalf("event %d: id is not the hash of the event", i)
		}
		kinds[ev.Kind]++
		authors[ev.PubKey] = true
		if len(ev.Content) > 2048 || !utf8.ValidString(ev.Content) || strings.ContainsRune(ev.Content, 0) {
			t.Fatalf("event %d: bad content (%d bytes)", i, len(ev.Content))
		}
		if ev.Kind == 3 {
			maxFollows = max(maxFollows, len(ev.Tags))
		} else if len(ev.Tags) > maxTags {
			t.Fatalf("event %d kind %d: %d tags", i, ev.Kind, len(ev.Tags))
		}
		for _, tag := range ev.Tags {
			tagNames[tag[0]]++
			for _, v := range tag {
				if len(v) > 2048 || strings.ContainsRune(v, 0) {
					t.Fatalf("event %d: bad tag value %q", i, v)
				}
			}
			if tag[0] == "e" && len(tag) > 3 && tag[3] == "root" {
				replies++
			}
		}
		if (ev.Kind == 30023 || ev.Kind == 30166) && ev.Tags.GetD() == "" {
			t.Fatalf("event %d kind %d has no d tag", i, ev.Kind)
		}
	}
	for _, k := range []int{0, 1, 3, 7, 10002, 30023, 30166} {
		if kinds[k] < len(events)/100 {
			t.Errorf("kind %d: only %d of %d events", k, kinds[k], len(events))
		}
	}
	for _, name := range []string{"e", "p", "t", "d", "r", "a"} {
		if tagNames[name] < 100 {
			t.Errorf("tag %q: only %d", name, tagNames[name])
		}
	}
	if len(authors) < 2000 || len(authors) > 5020 {
		t.Errorf("%d distinct authors, want most of 5,000", len(authors))
	}
	if replies < len(events)/10 || maxFollows < 100 {
		t.Errorf("replies %d, longest follow list %d", replies, maxFollows)
	}
}

func TestLoadSignsAndCaches(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	p := Params{N: 600, Seed: 3}
	first, cached, err := Load(p)
	if err != nil || cached {
		t.Fatalf("first load: cached=%v err=%v", cached, err)
	}
	for i, ev := range first {
		if ok, err := ev.CheckSignature(); !ok {
			t.Fatalf("event %d: signature does not verify: %v", i, err)
		}
	}
	second, cached, err := Load(p)
	if err != nil || !cached {
		t.Fatalf("second load: cached=%v err=%v", cached, err)
	}
	for i := range first {
		if first[i].Sig != second[i].Sig {
			t.Fatalf("event %d: cached signature differs", i)
		}
	}

	// A cache that no longer matches the generator is signed again.
	path := filepath.Join(CacheDir(), p.Key()+".sig")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	copy(b[len(cacheMagic):], bytes.Repeat([]byte{0x55}, 64*len(first)))
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	third, cached, err := Load(p)
	if err != nil || cached {
		t.Fatalf("load over a stale cache: cached=%v err=%v", cached, err)
	}
	if ok, _ := third[len(third)-1].CheckSignature(); !ok {
		t.Fatal("re-signed event does not verify")
	}
}

func TestFakeSigKeepsIDs(t *testing.T) {
	events, _, err := Load(Params{N: 300, FakeSig: true})
	if err != nil {
		t.Fatal(err)
	}
	for i, ev := range events {
		if !ev.CheckID() || len(ev.Sig) != 128 {
			t.Fatalf("event %d: id ok %v, sig %q", i, ev.CheckID(), ev.Sig)
		}
	}
}

func TestRelayURLsAreDistinct(t *testing.T) {
	seen := map[string]int{}
	for i := range 3000 {
		u := relayURL(i)
		if j, dup := seen[u]; dup {
			t.Fatalf("relay %d and %d share %s", i, j, u)
		}
		if !strings.HasPrefix(u, "wss://") && !strings.HasPrefix(u, "ws://") {
			t.Fatalf("relay %d: %s", i, u)
		}
		seen[u] = i
	}
	if len(words) < 200 {
		t.Fatalf("only %d words", len(words))
	}
}
