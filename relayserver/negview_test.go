package relayserver

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"math/rand/v2"
	"slices"
	"sort"
	"sync"
	"testing"

	"github.com/nbd-wtf/go-nostr"
	"github.com/nbd-wtf/go-nostr/nip77/negentropy"
	"github.com/nbd-wtf/go-nostr/nip77/negentropy/storage/vector"

	"github.com/bigbrotr/bigbrotr/archive"
)

// memKeys is a keySource over sorted keys in memory; read counts the keys
// it yielded.
type memKeys struct {
	keys []archive.EventKey
	read int
}

func (m *memKeys) ServableKeys(ctx context.Context, _ nostr.Filter, p archive.KeyPage, fn func(archive.EventKey) error) error {
	i := 0
	if p.After != nil {
		i = sort.Search(len(m.keys), func(i int) bool { return m.keys[i].Compare(*p.After) > 0 })
	}
	for n := 0; i < len(m.keys) && (p.Limit == 0 || n < p.Limit); i, n = i+1, n+1 {
		if err := ctx.Err(); err != nil {
			return err
		}
		m.read++
		if err := fn(m.keys[i]); err != nil {
			return err
		}
	}
	return nil
}

// testKeys makes n sorted keys, four to a second, so that many share a
// created_at.
func testKeys(n int, seed uint64) []archive.EventKey {
	keys := make([]archive.EventKey, n)
	for i := range keys {
		keys[i].CreatedAt = 1_700_000_000 + int64(i/4)
		var b [16]byte
		binary.LittleEndian.PutUint64(b[:], uint64(i))
		binary.LittleEndian.PutUint64(b[8:], seed)
		keys[i].ID = sha256.Sum256(b[:])
	}
	slices.SortFunc(keys, archive.EventKey.Compare)
	return keys
}

func vectorOf(keys []archive.EventKey) *vector.Vector {
	v := vector.New()
	for _, k := range keys {
		v.Insert(nostr.Timestamp(k.CreatedAt), hex.EncodeToString(k.ID[:]))
	}
	v.Seal()
	return v
}

func testView(t *testing.T, src keySource, minBlock, maxBlocks int) *negView {
	t.Helper()
	v, err := buildNegView(context.Background(), src, nostr.Filter{}, archive.KeyPage{}, minBlock, maxBlocks)
	if err != nil {
		t.Fatal(err)
	}
	v.ctx = context.Background()
	return v
}

// The view answers every Storage question as go-nostr's in-memory vector
// does over the same keys, with an index far smaller than the set.
func TestNegViewMatchesVector(t *testing.T) {
	keys := testKeys(20000, 1)
	src := &memKeys{keys: keys}
	v := testView(t, src, 16, 64)
	vec := vectorOf(keys)
	if v.Size() != vec.Size() {
		t.Fatalf("Size = %d, want %d", v.Size(), vec.Size())
	}
	if len(v.last) > 64 || v.block != 512 {
		t.Fatalf("index of %d blocks of %d keys, want at most 64 blocks of 512", len(v.last), v.block)
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 300 {
		a := r.IntN(len(keys) + 1)
		b := a + r.IntN(len(keys)+1-a)
		if got, want := v.Fingerprint(a, b), vec.Fingerprint(a, b); got != want {
			t.Fatalf("Fingerprint(%d, %d) = %s, want %s", a, b, got, want)
		}
		var bound negentropy.Bound
		switch k := keys[r.IntN(len(keys))]; r.IntN(3) {
		case 0: // an exact key
			bound = negentropy.Bound{Item: item(k)}
		case 1: // a prefix bound, as getMinimalBound sends
			bound = negentropy.Bound{Item: negentropy.Item{Timestamp: nostr.Timestamp(k.CreatedAt), ID: hex.EncodeToString(k.ID[:r.IntN(4)])}}
		default: // a second with no key or past the end
			bound = negentropy.Bound{Item: negentropy.Item{Timestamp: nostr.Timestamp(k.CreatedAt + int64(r.IntN(2)) + 1<<r.IntN(40))}}
		}
		if got, want := v.FindLowerBound(a, b, bound), vec.FindLowerBound(a, b, bound); got != want {
			t.Fatalf("FindLowerBound(%d, %d, %s) = %d, want %d", a, b, bound, got, want)
		}
		c := min(a+3, len(keys))
		var got, want []negentropy.Item
		for _, it := range v.Range(a, c) {
			got = append(got, it)
		}
		for _, it := range vec.Range(a, c) {
			want = append(want, it)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("Range(%d, %d) = %v, want %v", a, c, got, want)
		}
	}
	if v.err != nil {
		t.Fatal(v.err)
	}
	if len(v.cache) > negCacheBlocks {
		t.Fatalf("%d blocks cached, want at most %d", len(v.cache), negCacheBlocks)
	}
}

// reconcileWith runs go-nostr's negentropy client over have against a
// server reconciling over srv, in memory, and returns what the client
// learns: the ids it has that the server lacks, and those it lacks.
func reconcileWith(t *testing.T, srv negentropy.Storage, have []archive.EventKey, frame int) (haves, haveNots []string, rounds int) {
	t.Helper()
	client := negentropy.New(vectorOf(have), frame)
	server := negentropy.New(srv, frame)
	learned := drainNeg(client)
	msg := client.Start()
	for msg != "" {
		rounds++
		if err := checkNegMessage(msg); err != nil {
			t.Fatalf("round %d: the client's message fails the check: %v", rounds, err)
		}
		out, err := server.Reconcile(msg)
		if err != nil {
			t.Fatalf("round %d: server: %v", rounds, err)
		}
		if len(out) > 2*frame {
			t.Fatalf("round %d: server message of %d bytes, frame limit %d", rounds, len(out)/2, frame)
		}
		if msg, err = client.Reconcile(out); err != nil {
			t.Fatalf("round %d: client: %v", rounds, err)
		}
	}
	haves, haveNots = learned()
	return haves, haveNots, rounds
}

// drainNeg collects what a negentropy client learns (its reconciler blocks
// once these channels fill); the returned func waits for the end of the
// reconciliation and returns both lists, sorted.
func drainNeg(client *negentropy.Negentropy) func() (haves, haveNots []string) {
	var (
		wg              sync.WaitGroup
		haves, haveNots []string
	)
	collect := func(ch chan string, into *[]string) {
		defer wg.Done()
		for id := range ch {
			*into = append(*into, id)
		}
	}
	wg.Add(2)
	go collect(client.Haves, &haves)
	go collect(client.HaveNots, &haveNots)
	return func() ([]string, []string) {
		wg.Wait()
		slices.Sort(haves)
		slices.Sort(haveNots)
		return haves, haveNots
	}
}

func hexIDs(keys []archive.EventKey) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = hex.EncodeToString(k.ID[:])
	}
	slices.Sort(out)
	return out
}

// A client missing 1% of the set, and holding a few the server lacks,
// learns exactly those through the view, and the server never reads the
// whole set into memory.
func TestNegViewReconciles(t *testing.T) {
	keys := testKeys(30000, 2)
	var have, missing []archive.EventKey
	for i, k := range keys {
		if i%100 == 37 {
			missing = append(missing, k)
		} else {
			have = append(have, k)
		}
	}
	extra := testKeys(5, 3)
	have = append(have, extra...)
	slices.SortFunc(have, archive.EventKey.Compare)
	src := &memKeys{keys: keys}
	v := testView(t, src, 64, 32)
	haves, haveNots, rounds := reconcileWith(t, v, have, 4096)
	if v.err != nil {
		t.Fatal(v.err)
	}
	if !slices.Equal(haveNots, hexIDs(missing)) {
		t.Errorf("client lacks %d ids by the protocol, want the %d missing", len(haveNots), len(missing))
	}
	if !slices.Equal(haves, hexIDs(extra)) {
		t.Errorf("client has %v the server lacks, want %v", haves, hexIDs(extra))
	}
	if len(v.last) > 32 || len(v.cache) > negCacheBlocks {
		t.Errorf("index of %d blocks and %d cached, want at most 32 and %d", len(v.last), len(v.cache), negCacheBlocks)
	}
	t.Logf("%d keys, %d rounds, %d keys read back from the source", len(keys), rounds, src.read)
}

// A block read back that no longer matches the index (an event deleted
// since the opening) fails the view instead of shifting its answers.
func TestNegViewArchiveChanged(t *testing.T) {
	keys := testKeys(5000, 4)
	src := &memKeys{keys: slices.Clone(keys)}
	v := testView(t, src, 64, 1024)
	src.keys = slices.Delete(src.keys, 3000, 3001)
	v.Fingerprint(2990, 3010)
	if v.err != errArchiveChanged {
		t.Fatalf("err = %v, want %v", v.err, errArchiveChanged)
	}
	for range v.Range(0, 10) {
		t.Fatal("Range yields after the view failed")
	}
}

func TestCheckNegMessage(t *testing.T) {
	v := testView(t, &memKeys{keys: testKeys(100, 5)}, 16, 64)
	valid := negentropy.New(vectorOf(testKeys(100, 5)), 4096).Start()
	for _, c := range []struct {
		name, msg string
		ok        bool
	}{
		{"client start", valid, true},
		{"version only", "61", true},
		{"other version", "62", true},
		{"empty", "", false},
		{"odd hex", "610", false},
		{"not hex", "61zz", false},
		{"id list longer than the message", "61" + "00" + "00" + "02" + "ffffffff0f", false},
		{"bound id over 32 bytes", "61" + "00" + "21" + "00", false},
		{"unknown mode", "61" + "00" + "00" + "03", false},
		{"truncated fingerprint", "61" + "00" + "00" + "01" + "00", false},
		{"varint over 56 bits", "61" + "ffffffffffffffffff7f", false},
	} {
		err := checkNegMessage(c.msg)
		if (err == nil) != c.ok {
			t.Errorf("%s: checkNegMessage(%q) = %v, want ok %v", c.name, c.msg, err, c.ok)
		}
		if err == nil {
			if _, err := safeReconcile(negentropy.New(v, 4096), c.msg); err != nil && c.ok && c.name != "version only" {
				t.Errorf("%s: server: %v", c.name, err)
			}
		}
	}
}

// Whatever checkNegMessage lets through, the server's reconciler takes
// without panicking.
func FuzzCheckNegMessage(f *testing.F) {
	keys := testKeys(200, 6)
	f.Add(negentropy.New(vectorOf(keys[:150]), 4096).Start())
	f.Add("61")
	f.Add("6100000200")
	f.Fuzz(func(t *testing.T, msg string) {
		if checkNegMessage(msg) != nil {
			return
		}
		v := testView(t, &memKeys{keys: keys}, 16, 64)
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Fatalf("reconciler panicked on %q, which the check let through: %v", msg, r)
				}
			}()
			_, _ = negentropy.New(v, 4096).Reconcile(msg)
		}()
	})
}
