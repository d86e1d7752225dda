package postgres

import (
	"bytes"
	"slices"
	"strings"

	"github.com/bigbrotr/bigbrotr/archive/internal/backend"
	"github.com/bigbrotr/bigbrotr/schema"
)

// pgBatch is one SaveEvents call after the storage rules: each event once
// (first occurrence kept), sorted by id so concurrent batches take row
// locks in the same order, and each (event, relay) sighting once.
type pgBatch struct {
	rows      []backend.EventRow
	tagKeys   [][]string // per row: its tags packed by pgTagKey
	sightings []pgSighting
	valid     int // sightings whose event passed the rules
	rejected  int
	reasons   map[string]int // rejected, by reason
}

type pgSighting struct {
	id     []byte
	relay  string
	seenAt int64
}

// pgLockBuckets is how many advisory locks authors are hashed into; they
// order NIP-09 deletions against concurrent saves of their targets. Every
// save transaction takes its authors' buckets shared, so saves never wait
// on each other; the short deletion transaction takes its requesters'
// buckets exclusive, so it waits for in-flight saves of those authors and
// then sees their events, while saves that start after it see the
// recorded request. 128 keeps the lock table small per transaction.
const pgLockBuckets = 128

func pgNewBatch(batch []schema.Sighting, keep backend.KeepRule) *pgBatch {
	b := &pgBatch{rows: make([]backend.EventRow, 0, len(batch))}
	index := make(map[string]int, len(batch)) // id hex -> position in rows
	type pair struct{ id, relay string }
	seen := make(map[pair]struct{}, len(batch))
	for _, s := range batch {
		var id []byte
		if s.Event != nil {
			if i, ok := index[s.Event.ID]; ok {
				id = b.rows[i].ID
			}
		}
		if id == nil {
			r, reason := backend.NewEventRow(s.Event, keep)
			if reason != "" {
				b.reject(reason)
				continue
			}
			pgStoredForm(&r)
			index[s.Event.ID] = len(b.rows)
			b.rows = append(b.rows, r)
			id = r.ID
		}
		b.valid++
		if s.Relay.IsZero() {
			continue
		}
		if _, dup := seen[pair{s.Event.ID, s.Relay.String()}]; dup {
			continue
		}
		seen[pair{s.Event.ID, s.Relay.String()}] = struct{}{}
		b.sightings = append(b.sightings, pgSighting{id, s.Relay.String(), s.SeenAt.Unix()})
	}
	slices.SortFunc(b.rows, func(x, y backend.EventRow) int { return bytes.Compare(x.ID, y.ID) })
	b.tagKeys = make([][]string, len(b.rows))
	for i := range b.rows {
		for _, t := range b.rows[i].Tags {
			b.tagKeys[i] = append(b.tagKeys[i], pgTagKey(t.Name, t.Value))
		}
	}
	slices.SortFunc(b.sightings, func(x, y pgSighting) int {
		if c := bytes.Compare(x.id, y.id); c != 0 {
			return c
		}
		if x.relay < y.relay {
			return -1
		}
		if x.relay > y.relay {
			return 1
		}
		return 0
	})
	return b
}

func (b *pgBatch) reject(reason string) {
	if b.reasons == nil {
		b.reasons = map[string]int{}
	}
	b.rejected++
	b.reasons[reason]++
}

// pgStoredForm turns the row's d values into what PostgreSQL's TEXT
// address columns hold (pgAddressD): heads, deletions and the batch's own
// bookkeeping then all compare stored forms.
func pgStoredForm(r *backend.EventRow) {
	if r.DTag != nil {
		d := pgAddressD(*r.DTag)
		r.DTag = &d
	}
	for i := range r.DelAddrs {
		r.DelAddrs[i].D = pgAddressD(r.DelAddrs[i].D)
	}
}

// relays returns the distinct relay URLs of the batch's sightings.
func (b *pgBatch) relays() []string {
	urls := make([]string, len(b.sightings))
	for i, st := range b.sightings {
		urls[i] = st.relay
	}
	slices.Sort(urls)
	return slices.Compact(urls)
}

// keys returns the distinct tag keys of the batch.
func (b *pgBatch) keys() []string {
	keys := slices.Concat(b.tagKeys...)
	slices.Sort(keys)
	return slices.Compact(keys)
}

// buckets returns the lock buckets of the authors of rows that pass keep,
// ascending: a global order, so two transactions never wait in a cycle.
func (b *pgBatch) buckets(keep func(*backend.EventRow) bool) []int32 {
	var seen [pgLockBuckets]bool
	for i := range b.rows {
		if r := &b.rows[i]; keep(r) {
			seen[r.Pubkey[0]%pgLockBuckets] = true
		}
	}
	var out []int32
	for k, ok := range seen {
		if ok {
			out = append(out, int32(k))
		}
	}
	return out
}

// pgKey is a replacement address.
type pgKey struct {
	pubkey string // raw bytes
	kind   int32
	d      string
}

// pgVersion identifies one version of an address.
type pgVersion struct {
	id        []byte
	createdAt int64
}

// newer reports whether v replaces w under NIP-01: later created_at, or the
// same created_at and a lower id.
func (v pgVersion) newer(w pgVersion) bool {
	if v.createdAt != w.createdAt {
		return v.createdAt > w.createdAt
	}
	return bytes.Compare(v.id, w.id) < 0
}

// batchDeletions indexes the deletion requests inside the batch itself, so
// a target in the same batch is written already hidden instead of being
// inserted and then updated.
type pgBatchDeletions struct {
	ids   map[string][]string // target id -> deleting pubkeys (raw bytes)
	addrs map[pgKey]int64     // address -> newest request's created_at
}

func (b *pgBatch) deletions() pgBatchDeletions {
	d := pgBatchDeletions{}
	for i := range b.rows {
		r := &b.rows[i]
		for _, t := range r.DelIDs {
			if d.ids == nil {
				d.ids = map[string][]string{}
			}
			d.ids[string(t)] = append(d.ids[string(t)], string(r.Pubkey))
		}
		for _, a := range r.DelAddrs {
			if d.addrs == nil {
				d.addrs = map[pgKey]int64{}
			}
			k := pgKey{string(r.Pubkey), a.Kind, a.D}
			if until, ok := d.addrs[k]; !ok || r.CreatedAt > until {
				d.addrs[k] = r.CreatedAt
			}
		}
	}
	return d
}

// hides reports whether a request in the batch deletes r.
func (d pgBatchDeletions) hides(r *backend.EventRow) bool {
	if r.Kind == 5 {
		return false
	}
	if slices.Contains(d.ids[string(r.ID)], string(r.Pubkey)) {
		return true
	}
	if r.DTag != nil {
		if until, ok := d.addrs[pgKey{string(r.Pubkey), r.Kind, *r.DTag}]; ok && r.CreatedAt <= until {
			return true
		}
	}
	return false
}

// winners returns the newest version of each address in the batch, sorted
// by address so that head rows are locked in one global order.
func (b *pgBatch) winners() (keys []pgKey, versions []pgVersion) {
	best := map[pgKey]pgVersion{}
	b.mergeWinners(best)
	for k := range best {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(x, y pgKey) int {
		if c := strings.Compare(x.pubkey, y.pubkey); c != 0 {
			return c
		}
		if x.kind != y.kind {
			return int(x.kind) - int(y.kind)
		}
		return strings.Compare(x.d, y.d)
	})
	for _, k := range keys {
		versions = append(versions, best[k])
	}
	return keys, versions
}

// mergeWinners replaces each address's version in win by the batch's
// newest one when that is newer (or the address is absent).
func (b *pgBatch) mergeWinners(win map[pgKey]pgVersion) {
	for i := range b.rows {
		r := &b.rows[i]
		if r.DTag == nil {
			continue
		}
		k := pgKey{string(r.Pubkey), r.Kind, *r.DTag}
		v := pgVersion{r.ID, r.CreatedAt}
		if w, ok := win[k]; !ok || v.newer(w) {
			win[k] = v
		}
	}
}
