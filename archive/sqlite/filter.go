package sqlite

import (
	"errors"
	"maps"
	"slices"
	"strings"

	"github.com/nbd-wtf/go-nostr"

	"github.com/bigbrotr/bigbrotr/archive/internal/backend"
	"github.com/bigbrotr/bigbrotr/schema"
)

// The SQLite filter compiler: every statement a NIP-01 filter becomes is
// built here, in liteCompile and liteKeysCompile, from no static SQL. The
// plans, in the order liteCompile picks them, and the index each relies on
// (schema/migrations/sqlite):
//
//  1. nothing: a filter that cannot match (search, LimitZero, a value list
//     of nothing well-formed, an unindexed tag name) runs no statement.
//  2. tag-driven: no ids or authors and a tag condition. The tag with the
//     fewest values drives: one value walks event_tag's primary key (name,
//     value, created_at DESC, event_seq; a WITHOUT ROWID table, 0001) as
//     the outer loop (CROSS JOIN pins it), so a limited query stops early;
//     several values are an IN over the same key.
//  3. liteUnion: limited, kinds given, no ids, not tag-driven, at most
//     liteUnionMaxKinds kinds (no authors) or liteUnionMaxPairs (author,
//     kind) pairs: one newest-first branch per kind on event_kind (kind,
//     created_at DESC, expires_at; 0003) or per pair on event_pubkey_kind
//     (pubkey, kind, created_at DESC, expires_at; 0003), merged.
//  4. generic (also every count): ids through event's unique id index,
//     authors through event_pubkey / event_pubkey_kind, kinds through
//     event_kind, nothing else through event_created (created_at DESC, id).
//  5. keys (liteKeysCompile, NIP-77's ServableKeys): the generic plan's
//     conditions in ascending (created_at, id) order, one page after a key:
//     ids, authors and kinds through the same indexes, nothing else through
//     event_created walked backwards from the page's start.
//
// Every plan reads the filter through liteParse. In every plan, further
// tag conditions are point lookups on event_tag's primary key per
// candidate row. plan_test.go checks the plans with EXPLAIN QUERY PLAN.

// liteMaxParams stays under SQLite's limit of 32766 bound parameters.
const liteMaxParams = 30000

var errLiteFilterTooLarge = errors.New("filter has too many values")

// liteQuery is a compiled filter. empty means the filter cannot match
// anything and no SQL needs to run.
type liteQuery struct {
	sql   string
	args  []any
	shape string
	empty bool
}

// liteCompile turns a NIP-01 filter into SQL. Semantics (shared with every
// backend through archive/storetest):
//   - a nil list is no condition; a non-nil empty list matches nothing;
//   - ids and authors match only as exact 64-char lower-case hex;
//   - tag names other than one ASCII letter match nothing;
//   - Search matches nothing (NIP-50 is not supported);
//   - deleted and expired events never match; superseded versions of
//     replaceable and addressable events match only when ids are given.
//
// Plans: ids use the id index; without ids or authors, a tag with a single
// value drives the query through the tag index, which is already in
// created_at order, so a limited query stops early; other tag conditions
// are point lookups on that index per candidate row.
func liteCompile(f nostr.Filter, lil, count bool, vis backend.Visibility) (liteQuery, error) {
	q := liteQuery{empty: true}
	if f.LimitZero && !count {
		return q, nil
	}
	w, ok := liteParse(f, vis)
	if !ok {
		return q, nil
	}
	conds, args, authors, kinds, tags := w.conds, w.args, w.authors, w.kinds, w.tags

	cols := "e.id, e.pubkey, e.created_at, e.kind, e.tags, e.content, e.sig"
	if lil {
		cols = "e.id, e.pubkey, e.created_at, e.kind"
	}
	if count {
		cols = "count(*)"
	}
	from, order := "event e", "e.created_at DESC, e.id"
	tagDriven := len(tags) > 0 && f.IDs == nil && f.Authors == nil
	// A limited kinds (or authors+kinds) filter becomes one newest-first
	// branch per kind (or per author and kind), merged (see liteUnion),
	// unless a tag index drives it.
	union := !count && f.Limit > 0 && f.IDs == nil && kinds != nil && !tagDriven &&
		(authors == nil && len(kinds) <= liteUnionMaxKinds ||
			authors != nil && len(authors)*len(kinds) <= liteUnionMaxPairs)
	if !union {
		conds, args = liteIn(conds, args, "e.pubkey", authors)
		conds, args = liteIn(conds, args, "e.kind", kinds)
	}
	if tagDriven {
		// Drive by the most selective-looking tag: the one with fewest values.
		best := 0
		for i, t := range tags {
			if len(t.vals) < len(tags[best].vals) {
				best = i
			}
		}
		d := tags[best]
		tags = slices.Delete(tags, best, best+1)
		tc, targs := []string{"t.name = ?"}, []any{d.name}
		if len(d.vals) == 1 {
			tc = append(tc, "t.value = ?")
		} else {
			tc = append(tc, "t.value IN ("+liteMarks(len(d.vals))+")")
		}
		targs = append(targs, d.vals...)
		tc, targs = liteTimeConds(f, "t", tc, targs)
		if len(d.vals) == 1 {
			// CROSS JOIN pins the tag index as the outer loop.
			from, order = "event_tag t CROSS JOIN event e ON e.seq = t.event_seq", "t.created_at DESC, e.id"
			conds = append(tc, conds...)
			args = append(targs, args...)
		} else {
			conds = append(conds, "e.seq IN (SELECT t.event_seq FROM event_tag t WHERE "+strings.Join(tc, " AND ")+")")
			args = append(args, targs...)
		}
	}
	conds, args = liteTagExists(tags, conds, args)

	if union {
		return liteUnion(f, cols, kinds, authors, conds, args)
	}
	var b strings.Builder
	b.WriteString("SELECT " + cols + " FROM " + from + " WHERE " + strings.Join(conds, " AND "))
	if !count {
		b.WriteString(" ORDER BY " + order)
		if f.Limit > 0 {
			b.WriteString(" LIMIT ?")
			args = append(args, f.Limit)
		}
	}
	if len(args) > liteMaxParams {
		return q, errLiteFilterTooLarge
	}
	return liteQuery{sql: b.String(), args: args, shape: backend.FilterShape(f, count)}, nil
}

// Bounds of liteUnion: one branch per kind, or per (author, kind) pair.
const (
	liteUnionMaxKinds = 20
	liteUnionMaxPairs = 200
)

// liteUnion plans a limited kinds or authors+kinds filter as a merge of
// one branch per kind (or per author and kind), each reading its index
// (event_kind, event_pubkey_kind) newest first and stopping after limit
// rows. With the list as one IN condition SQLite reads every match of
// every listed kind or author and sorts them all before the limit applies:
// the whole of kind 1 since an old "since", 0.3-1 s on a bench archive.
// conds and args are what every branch checks besides kind and author.
func liteUnion(f nostr.Filter, cols string, kinds, authors []any, conds []string, args []any) (liteQuery, error) {
	where := strings.Join(conds, " AND ")
	var (
		branches []string
		all      []any
	)
	branch := func(key string, vals ...any) {
		branches = append(branches, "SELECT "+cols+" FROM event e WHERE "+key+" AND "+where+
			" ORDER BY e.created_at DESC, e.id LIMIT ?")
		all = append(append(append(all, vals...), args...), f.Limit)
	}
	for _, k := range kinds {
		if authors == nil {
			branch("e.kind = ?", k)
			continue
		}
		for _, a := range authors {
			branch("e.pubkey = ? AND e.kind = ?", a, k)
		}
	}
	if len(all) >= liteMaxParams {
		return liteQuery{empty: true}, errLiteFilterTooLarge
	}
	if len(branches) == 1 {
		return liteQuery{sql: branches[0], args: all, shape: backend.FilterShape(f, false)}, nil
	}
	for i, b := range branches {
		branches[i] = "SELECT * FROM (" + b + ")"
	}
	sql := "SELECT * FROM (" + strings.Join(branches, " UNION ALL ") + ") ORDER BY created_at DESC, id LIMIT ?"
	return liteQuery{sql: sql, args: append(all, f.Limit), shape: backend.FilterShape(f, false)}, nil
}

// liteKeysCompile is the keys plan: the generic plan in NIP-77 order,
// ascending (created_at, id), resumed after p.After, reading the two key
// columns only. Without ids, authors or kinds it walks event_created
// (created_at DESC, id) backwards from p.After: created_at comes out in
// order and SQLite sorts only each created_at's rows by id ("temp b-tree
// for right part of order by"), so a page reads about what it returns.
func liteKeysCompile(f nostr.Filter, p backend.KeyPage, wholeOnly bool) (liteQuery, error) {
	q := liteQuery{empty: true}
	w, ok := liteParse(f, backend.Visibility{Now: p.Now, WholeOnly: wholeOnly})
	if !ok {
		return q, nil
	}
	conds, args := liteIn(w.conds, w.args, "e.pubkey", w.authors)
	conds, args = liteIn(conds, args, "e.kind", w.kinds)
	conds, args = liteTagExists(w.tags, conds, args)
	if p.After != nil {
		conds = append(conds, "e.created_at >= ?", "(e.created_at, e.id) > (?, ?)")
		args = append(args, p.After.CreatedAt, p.After.CreatedAt, p.After.ID[:])
	}
	if p.MaxSeq > 0 {
		conds = append(conds, "e.seq <= ?")
		args = append(args, int64(min(p.MaxSeq, 1<<63-1)))
	}
	sql := "SELECT e.created_at, e.id FROM event e WHERE " + strings.Join(conds, " AND ") + " ORDER BY e.created_at, e.id"
	if p.Limit > 0 {
		sql += " LIMIT ?"
		args = append(args, p.Limit)
	}
	if len(args) > liteMaxParams {
		return q, errLiteFilterTooLarge
	}
	return liteQuery{sql: sql, args: args, shape: backend.ShapeKeys}, nil
}

// liteWhere is a filter read once for every plan: conds and args are what
// each row of event is checked for whatever the plan (ids, time bounds,
// visibility); the plan decides how authors, kinds and tags are used.
type liteWhere struct {
	conds          []string
	args           []any
	authors, kinds []any
	tags           []liteTag
}

// liteTag is one "#x" condition: its name and index values.
type liteTag struct {
	name string
	vals []any
}

// liteParse reads f for liteCompile and liteKeysCompile. ok is false when
// f cannot match anything (search, a value list of nothing well-formed,
// an unindexed tag name).
func liteParse(f nostr.Filter, vis backend.Visibility) (w liteWhere, ok bool) {
	if f.Search != "" {
		return w, false
	}
	if f.IDs != nil {
		vals := liteHexList(f.IDs)
		if len(vals) == 0 {
			return w, false
		}
		w.conds, w.args = liteIn(w.conds, w.args, "e.id", vals)
	}
	if f.Authors != nil {
		if w.authors = liteHexList(f.Authors); len(w.authors) == 0 {
			return w, false
		}
	}
	if f.Kinds != nil {
		if len(f.Kinds) == 0 {
			return w, false
		}
		for _, k := range slices.Compact(slices.Sorted(slices.Values(f.Kinds))) {
			w.kinds = append(w.kinds, k)
		}
	}
	w.conds, w.args = liteTimeConds(f, "e", w.conds, w.args)
	w.conds = append(w.conds, "e.deleted = 0", "(e.expires_at IS NULL OR e.expires_at > ?)")
	w.args = append(w.args, vis.Now)
	if vis.WholeOnly {
		w.conds = append(w.conds, "e.sig IS NOT NULL")
	}
	if f.IDs == nil {
		w.conds = append(w.conds, "e.superseded = 0")
	}
	for _, name := range slices.Sorted(maps.Keys(f.Tags)) {
		raw := f.Tags[name]
		if raw == nil {
			continue // as go-nostr: a nil list is no condition
		}
		if !schema.IndexedTagName(name) {
			return w, false
		}
		var vals []any
		for _, v := range slices.Compact(slices.Sorted(slices.Values(raw))) {
			vals = append(vals, backend.TagIndexValue(v))
		}
		if len(vals) == 0 {
			return w, false
		}
		w.tags = append(w.tags, liteTag{name, vals})
	}
	return w, true
}

// liteIn appends "col IN (vals)", or nothing for a nil list (no condition).
func liteIn(conds []string, args []any, col string, vals []any) ([]string, []any) {
	if vals == nil {
		return conds, args
	}
	return append(conds, col+" IN ("+liteMarks(len(vals))+")"), append(args, vals...)
}

// liteTagExists appends the tag conditions as point lookups on event_tag's
// primary key for the candidate row.
func liteTagExists(tags []liteTag, conds []string, args []any) ([]string, []any) {
	for _, t := range tags {
		conds = append(conds, "EXISTS (SELECT 1 FROM event_tag x WHERE x.name = ? AND x.value IN ("+liteMarks(len(t.vals))+
			") AND x.created_at = e.created_at AND x.event_seq = e.seq)")
		args = append(append(args, t.name), t.vals...)
	}
	return conds, args
}

// liteTimeConds appends the since/until conditions on alias.created_at.
func liteTimeConds(f nostr.Filter, alias string, conds []string, args []any) ([]string, []any) {
	if f.Since != nil {
		conds = append(conds, alias+".created_at >= ?")
		args = append(args, int64(*f.Since))
	}
	if f.Until != nil {
		conds = append(conds, alias+".created_at <= ?")
		args = append(args, int64(*f.Until))
	}
	return conds, args
}

// liteHexList decodes the valid values of an ids or authors list, deduplicated.
func liteHexList(list []string) []any {
	out := make([]any, 0, len(list))
	for _, s := range slices.Compact(slices.Sorted(slices.Values(list))) {
		if b, ok := backend.DecodeID(s); ok {
			out = append(out, b)
		}
	}
	return out
}

func liteMarks(n int) string {
	return strings.TrimSuffix(strings.Repeat("?,", n), ",")
}
