package archive

import (
	"errors"
	"maps"
	"slices"
	"strings"

	"github.com/nbd-wtf/go-nostr"
)

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
func liteCompile(f nostr.Filter, lil, count bool, now int64) (liteQuery, error) {
	q := liteQuery{empty: true}
	if f.Search != "" || (f.LimitZero && !count) {
		return q, nil
	}
	var (
		conds []string
		args  []any
	)
	in := func(col string, vals []any) {
		conds = append(conds, col+" IN ("+liteMarks(len(vals))+")")
		args = append(args, vals...)
	}
	if f.IDs != nil {
		vals := liteHexList(f.IDs)
		if len(vals) == 0 {
			return q, nil
		}
		in("e.id", vals)
	}
	if f.Authors != nil {
		vals := liteHexList(f.Authors)
		if len(vals) == 0 {
			return q, nil
		}
		in("e.pubkey", vals)
	}
	if f.Kinds != nil {
		if len(f.Kinds) == 0 {
			return q, nil
		}
		kinds := slices.Compact(slices.Sorted(slices.Values(f.Kinds)))
		vals := make([]any, len(kinds))
		for i, k := range kinds {
			vals[i] = k
		}
		in("e.kind", vals)
	}
	conds, args = liteTimeConds(f, "e", conds, args)
	conds = append(conds, "e.deleted = 0", "(e.expires_at IS NULL OR e.expires_at > ?)")
	args = append(args, now)
	if f.IDs == nil {
		conds = append(conds, "e.superseded = 0")
	}

	type tagCond struct {
		name string
		vals []any
	}
	var tags []tagCond
	for _, name := range slices.Sorted(maps.Keys(f.Tags)) {
		raw := f.Tags[name]
		if raw == nil {
			continue // as go-nostr: a nil list is no condition
		}
		if !indexedTagName(name) {
			return q, nil
		}
		var vals []any
		for _, v := range slices.Compact(slices.Sorted(slices.Values(raw))) {
			if validTagElement(v) {
				vals = append(vals, v)
			}
		}
		if len(vals) == 0 {
			return q, nil
		}
		tags = append(tags, tagCond{name, vals})
	}

	cols := "e.id, e.pubkey, e.created_at, e.kind, e.tags, e.content, e.sig"
	if lil {
		cols = "e.id, e.pubkey, e.created_at, e.kind"
	}
	if count {
		cols = "count(*)"
	}
	from, order := "event e", "e.created_at DESC, e.id"
	if len(tags) > 0 && f.IDs == nil && f.Authors == nil {
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
	for _, t := range tags {
		conds = append(conds, "EXISTS (SELECT 1 FROM event_tag x WHERE x.name = ? AND x.value IN ("+liteMarks(len(t.vals))+
			") AND x.created_at = e.created_at AND x.event_seq = e.seq)")
		args = append(args, t.name)
		args = append(args, t.vals...)
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
	return liteQuery{sql: b.String(), args: args, shape: filterShape(f, count)}, nil
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
		if b, ok := decodeID(s); ok {
			out = append(out, b)
		}
	}
	return out
}

func liteMarks(n int) string {
	return strings.TrimSuffix(strings.Repeat("?,", n), ",")
}
