package postgres

import (
	"maps"

	"github.com/jackc/pgx/v5"
)

// Reading and locking replaceable heads. SaveEvents reads the heads of
// the addresses a batch touches without a lock at its start, writes the
// batch's rows flagged against them, and only locks the heads at its end,
// to move them: a head lock is then held for the last round trip and the
// commit rather than for the whole batch, so concurrent batches that touch
// the same addresses (a busy author's profile, a monitor's reports) no
// longer run one after the other. A head that moved in between only ever
// moves forward, so the rows flagged superseded stay so; rows flagged
// current that lost meanwhile are fixed by pgHeadPlan.lostSince.

// headKeys returns the batch's addresses in lock order and their winners
// within the batch, as the unnest arguments of the head statements.
func headKeys(b *pgBatch) (n int, pubkeys [][]byte, kinds []int32, ds []string, ids [][]byte, ats []int64) {
	keys, wins := b.winners()
	n = len(keys)
	pubkeys, kinds, ds, ids, ats = make([][]byte, n), make([]int32, n), make([]string, n), make([][]byte, n), make([]int64, n)
	for i, k := range keys {
		pubkeys[i], kinds[i], ds[i], ids[i], ats[i] = []byte(k.pubkey), k.kind, k.d, wins[i].id, wins[i].createdAt
	}
	return n, pubkeys, kinds, ds, ids, ats
}

func scanHeads(rows pgx.Rows, into map[pgKey]pgVersion) error {
	var (
		pk, id []byte
		kind   int32
		d      string
		at     int64
	)
	_, err := pgx.ForEachRow(rows, []any{&pk, &kind, &d, &id, &at}, func() error {
		into[pgKey{string(pk), kind, d}] = pgVersion{append([]byte(nil), id...), at}
		return nil
	})
	return err
}

// pgHeadPlan is what a batch changes about replacements: which of its rows
// are written already superseded, which heads move, and which stored
// versions stop being current.
type pgHeadPlan struct {
	superseded []bool // per batch row
	moved      map[pgKey]pgVersion
	demoted    [][]byte // ids of stored versions that lost their place
}

// pgPlanHeads picks the winner of every address among its stored head and
// the batch's versions. A stored event never beats its head, so comparing
// against the head alone is enough.
func pgPlanHeads(b *pgBatch, heads map[pgKey]pgVersion) pgHeadPlan {
	p := pgHeadPlan{superseded: make([]bool, len(b.rows))}
	win := maps.Clone(heads)
	b.mergeWinners(win)
	for i := range b.rows {
		r := &b.rows[i]
		if r.DTag != nil {
			w := win[pgKey{string(r.Pubkey), r.Kind, *r.DTag}]
			p.superseded[i] = string(w.id) != string(r.ID)
		}
	}
	for k, w := range win {
		h, had := heads[k]
		if had && string(h.id) == string(w.id) {
			continue
		}
		if p.moved == nil {
			p.moved = map[pgKey]pgVersion{}
		}
		p.moved[k] = w
		if had {
			p.demoted = append(p.demoted, h.id)
		}
	}
	return p
}

// lostSince returns the ids of the rows this batch inserted (by id in
// inserted) flagged current under the earlier plan that this one, made
// from the locked heads, supersedes.
func (p pgHeadPlan) lostSince(earlier pgHeadPlan, b *pgBatch, inserted map[string]int64) [][]byte {
	var lost [][]byte
	for i := range b.rows {
		if p.superseded[i] && !earlier.superseded[i] {
			if _, ok := inserted[string(b.rows[i].ID)]; ok {
				lost = append(lost, b.rows[i].ID)
			}
		}
	}
	return lost
}

// queue adds the head upsert and the demotion of replaced versions.
func (p pgHeadPlan) queue(pipe *pgx.Batch) {
	if len(p.moved) == 0 {
		return
	}
	var (
		pubkeys, ids [][]byte
		kinds        []int32
		ds           []string
		ats          []int64
	)
	for k, w := range p.moved {
		pubkeys, kinds, ds = append(pubkeys, []byte(k.pubkey)), append(kinds, k.kind), append(ds, k.d)
		ids, ats = append(ids, w.id), append(ats, w.createdAt)
	}
	pipe.Queue(stmts.UpdateHeads,
		pubkeys, kinds, ds, ids, ats)
	if len(p.demoted) > 0 {
		pipe.Queue(stmts.MarkSuperseded, p.demoted)
	}
}

// pgQueueDeletions records the batch's NIP-09 requests and hides their
// stored targets: by id when the author matches, by address up to the
// request's created_at. Requests are remembered so that targets arriving
// later are written hidden (see insert-events in queries/save.sql). It is idempotent, so
// requests already stored are simply applied again: a batch whose deletion
// step failed is repaired when it is seen once more.
func pgQueueDeletions(pipe *pgx.Batch, b *pgBatch) {
	var (
		targets, byIDAuthors [][]byte
		addrAuthors          [][]byte
		addrKinds            []int32
		addrDs               []string
		addrUntil            []int64
		addrIndex            = map[pgKey]int{}
	)
	for i := range b.rows {
		r := &b.rows[i]
		if r.Kind != 5 {
			continue
		}
		for _, t := range r.DelIDs {
			targets, byIDAuthors = append(targets, t), append(byIDAuthors, r.Pubkey)
		}
		for _, a := range r.DelAddrs {
			k := pgKey{string(r.Pubkey), a.Kind, a.D}
			if j, ok := addrIndex[k]; ok {
				addrUntil[j] = max(addrUntil[j], r.CreatedAt)
				continue
			}
			addrIndex[k] = len(addrAuthors)
			addrAuthors, addrKinds = append(addrAuthors, r.Pubkey), append(addrKinds, a.Kind)
			addrDs, addrUntil = append(addrDs, a.D), append(addrUntil, r.CreatedAt)
		}
	}
	if len(targets) > 0 {
		pipe.Queue(stmts.InsertDeletionIDs, targets, byIDAuthors)
		pipe.Queue(stmts.DeleteByID, targets, byIDAuthors)
	}
	if len(addrAuthors) > 0 {
		pipe.Queue(stmts.InsertDeletionAddresses,
			addrAuthors, addrKinds, addrDs, addrUntil)
		pipe.Queue(stmts.DeleteByAddress, addrAuthors, addrKinds, addrDs, addrUntil)
	}
}
