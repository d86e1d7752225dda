package postgres

import (
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/nbd-wtf/go-nostr"

	"github.com/bigbrotr/bigbrotr/archive/internal/backend"
	"github.com/bigbrotr/bigbrotr/schema"
)

// The PostgreSQL filter compiler: every statement a NIP-01 filter becomes
// is built here, in pgCompile and pgKeysCompile, from the static SQL of
// nothing else. The plans, in the order pgCompile tries them, and the
// index each relies on (schema/migrations/postgres):
//
//  1. nothing: a filter that cannot match (search, LimitZero, a value list
//     of nothing well-formed, an unindexed tag name) runs no statement.
//  2. pgAddressPlan: "#d" on addressable kinds only. Branch one reads
//     current versions by address through event_d_current (d_tag, kind,
//     created_at; 0003); branch two the rare events matching by a later d
//     tag through the partial event_extra_d (kind, created_at DESC; 0003).
//  3. pgTagLateral: limited, no ids or authors, the first tag condition
//     with 2..pgTagLateralMaxValues values: one newest-first walk of
//     event_tag_lookup (tag_id, created_at DESC, ...; 0001) per value,
//     the values' ids found through tag_value's unique key.
//  4. pgKindsUnion: limited, kinds and no authors (at most
//     pgUnionMaxKinds), not tag-driven: one branch per kind on event_kind
//     (kind, created_at DESC; 0005), or on the partial event_kind_current
//     (0001) for replaceable and addressable kinds.
//  5. pgLateral: limited, authors and kinds within pgLateralMaxAuthors and
//     pgLateralMaxPairs, not tag-driven: one scan of event_pubkey_kind
//     (pubkey, kind, created_at DESC; 0005) per (author, kind).
//  6. generic (also every count): tag-driven when the first tag condition
//     has one value, through tag_value's key and event_tag_lookup, joined
//     to event by seq (event_archived); otherwise ids by event's primary
//     key, authors by event_pubkey_kind, kinds by event_kind, and nothing
//     else by event_created (created_at DESC). Further tag conditions are
//     EXISTS probes on event_tag_lookup.
//  7. keys (pgKeysCompile, NIP-77's ServableKeys): the generic plan's
//     conditions in ascending (created_at, id) order, one page after a key:
//     ids, authors and kinds through the same indexes, nothing else through
//     event_created walked backwards from the page's start (an incremental
//     sort by id within each created_at); tag conditions are EXISTS probes.
//
// Every plan reads the filter through pgParse. plan_test.go watches the
// plans the server picks for these shapes.

// pgQuery is a compiled filter. empty means nothing can match (a malformed
// or empty value list, an unindexed tag name, LimitZero, search) and no
// statement needs to run.
type pgQuery struct {
	sql   string
	args  []any
	shape string
	empty bool
}

// pgBuilder numbers placeholders as arguments are added.
type pgBuilder struct {
	args  []any
	where []string
}

func (b *pgBuilder) arg(v any) string {
	b.args = append(b.args, v)
	return "$" + strconv.Itoa(len(b.args))
}

func (b *pgBuilder) and(cond string) { b.where = append(b.where, cond) }

// pgAny adds "col = ANY(list)" with the list as one array parameter of
// type typ, or nothing for a nil list (no condition).
func pgAny[T any](b *pgBuilder, col string, list []T, typ string) {
	if list != nil {
		b.and(col + " = ANY(" + b.arg(list) + "::" + typ + "[])")
	}
}

// pgTagCond is one "#x" condition: its name and packed keys (pgTagKey).
type pgTagCond struct {
	name string
	keys [][]byte
}

// Bounds of the per-(author, kind) plan (pgCompile): each pair is one
// index probe, so a huge follow list is left to the generic plan.
const (
	pgLateralMaxAuthors = 1000
	pgLateralMaxPairs   = 3000
)

// pgCompile turns a NIP-01 filter into one statement. Served rows are never
// deleted or expired, and superseded versions only appear when the filter
// names ids. A single-value tag condition drives the query from the tag
// index (join ordered by the tag row's created_at), so "#e/#p/#d = X" reads
// only the rows it returns; other tag conditions are EXISTS probes on the
// same index. A limited kinds filter becomes one newest-first branch per
// kind (pgKindsUnion), a limited authors+kinds filter one scan of
// event_pubkey_kind per (author, kind) (pgLateral), merged. vis holds
// the NIP-40 clock and whether only events stored whole are served; lil
// selects the metadata columns only.
func pgCompile(f nostr.Filter, lil, count bool, vis backend.Visibility) pgQuery {
	if f.LimitZero && !count {
		return pgQuery{empty: true}
	}
	w, ok := pgParse(f)
	if !ok {
		return pgQuery{empty: true}
	}
	ids, pks, kinds, tags := w.ids, w.pks, w.kinds, w.tags
	tagDriven := len(tags) > 0 && len(tags[0].keys) == 1

	cols := "e.id, e.pubkey, e.created_at, e.kind, e.tags, e.content, e.sig"
	if lil {
		cols = "e.id, e.pubkey, e.created_at, e.kind, NULL::json AS tags, NULL::bytea AS content, NULL::bytea AS sig"
	}
	if !count && ids == nil && kinds != nil {
		if values, ok := pgAddressValues(f, kinds); ok {
			return pgAddressPlan(f, cols, pks, kinds, values, tags, vis)
		}
	}
	if !count && f.Limit > 0 && ids == nil && pks == nil && len(tags) > 0 && !tagDriven && len(tags[0].keys) <= pgTagLateralMaxValues {
		return pgTagLateral(f, cols, kinds, tags, vis)
	}
	if !count && f.Limit > 0 && ids == nil && kinds != nil && !tagDriven {
		if pks == nil && len(kinds) <= pgUnionMaxKinds {
			return pgKindsUnion(f, cols, kinds, tags, vis)
		}
		pks = pgDedup(pks)
		if n := len(pks); n > 0 && n <= pgLateralMaxAuthors && n*len(kinds) <= pgLateralMaxPairs {
			return pgLateral(f, cols, pks, kinds, tags, vis)
		}
	}

	var b pgBuilder
	pgAny(&b, "e.id", ids, "bytea")
	pgAny(&b, "e.pubkey", pks, "bytea")
	from, order := "event e", "e.created_at DESC, e.id"
	if tagDriven {
		// Drive from the tag index: one row per event per (name, value).
		t := tags[0]
		tags = tags[1:]
		from = "event_tag t JOIN event e ON e.seq = t.event_seq"
		// An InitPlan: the value's id is looked up once, then the scan of
		// event_tag_lookup is a range on that id.
		b.and("t.tag_id = (SELECT v.id FROM tag_value v WHERE v.key = " + b.arg(t.keys[0]) + ")")
		if kinds != nil {
			b.and("t.kind = ANY(" + b.arg(kinds) + "::int4[])")
		}
		pgTimeConds(&b, f, "t")
		order = "t.created_at DESC, e.id"
	} else {
		pgAny(&b, "e.kind", kinds, "int4")
	}
	pgEventConds(&b, f, tags, vis)

	where := strings.Join(b.where, " AND ")
	if count {
		return pgQuery{sql: "SELECT count(*) FROM " + from + " WHERE " + where, args: b.args, shape: backend.ShapeCount}
	}
	sql := "SELECT " + cols + " FROM " + from + " WHERE " + where + " ORDER BY " + order
	if f.Limit > 0 {
		sql += " LIMIT " + b.arg(int64(f.Limit))
	}
	return pgQuery{sql: sql, args: b.args, shape: backend.FilterShape(f, false)}
}

// pgLateral plans authors+kinds with a limit as a top-N merge of one
// index-ordered scan per (author, kind): the generic plan misestimates
// such filters and reads and sorts every matching row, while each scan
// here stops after limit rows of event_pubkey_kind.
func pgLateral(f nostr.Filter, cols string, pks [][]byte, kinds []int32, tags []pgTagCond, vis backend.Visibility) pgQuery {
	var b pgBuilder
	from := "unnest(" + b.arg(pks) + "::bytea[]) a(pk) CROSS JOIN unnest(" + b.arg(kinds) + "::int4[]) k(kind)"
	b.and("e.pubkey = a.pk")
	b.and("e.kind = k.kind")
	pgEventConds(&b, f, tags, vis)
	limit := b.arg(int64(f.Limit))
	sql := "SELECT r.* FROM " + from + " CROSS JOIN LATERAL (SELECT " + cols +
		" FROM event e WHERE " + strings.Join(b.where, " AND ") +
		" ORDER BY e.created_at DESC, e.id LIMIT " + limit + ") r" +
		" ORDER BY r.created_at DESC, r.id LIMIT " + limit
	return pgQuery{sql: sql, args: b.args, shape: backend.FilterShape(f, false)}
}

// pgTagLateralMaxValues bounds pgTagLateral: one index walk per value.
const pgTagLateralMaxValues = 200

// pgTagLateral plans a limited filter whose most selective tag condition
// has several values ("#e" with the ids of a thread) as a top-N merge of
// one newest-first walk of event_tag_lookup per value, each stopping after
// limit visible matches; an event matching several values is kept once.
// The global newest limit are among the per-value newest limit, so the
// answer is exact. Written as one EXISTS condition instead, the planner
// cannot see which tag ids the values are (they are looked up in an
// InitPlan) and walks event_created or scans event whole: 35 ms at 20k
// events, linear in the archive, against 0.3 ms here.
func pgTagLateral(f nostr.Filter, cols string, kinds []int32, tags []pgTagCond, vis backend.Visibility) pgQuery {
	var b pgBuilder
	from := "unnest(ARRAY(SELECT v.id FROM tag_value v WHERE v.key = ANY(" + b.arg(tags[0].keys) + "::bytea[]))) tv(id)"
	b.and("t.tag_id = tv.id")
	if kinds != nil {
		b.and("t.kind = ANY(" + b.arg(kinds) + "::int4[])")
	}
	pgTimeConds(&b, f, "t")
	pgEventConds(&b, f, tags[1:], vis)
	limit := b.arg(int64(f.Limit))
	inner := "SELECT e.seq, " + cols + " FROM event_tag t JOIN event e ON e.seq = t.event_seq WHERE " +
		strings.Join(b.where, " AND ") + " ORDER BY t.created_at DESC, e.id LIMIT " + limit
	sql := "SELECT r.id, r.pubkey, r.created_at, r.kind, r.tags, r.content, r.sig FROM (SELECT DISTINCT ON (m.seq) m.* FROM " +
		from + " CROSS JOIN LATERAL (" + inner + ") m) r ORDER BY r.created_at DESC, r.id LIMIT " + limit
	return pgQuery{sql: sql, args: b.args, shape: backend.FilterShape(f, false)}
}

// pgAddressValues returns the "#d" values of a filter that pgAddressPlan
// can serve: every kind addressable, and no empty value (event.d_tag is ""
// both for an empty d tag and for none at all).
func pgAddressValues(f nostr.Filter, kinds []int32) ([]string, bool) {
	raw, ok := f.Tags["d"]
	if !ok || raw == nil {
		return nil, false
	}
	for _, k := range kinds {
		if !nostr.IsAddressableKind(int(k)) {
			return nil, false
		}
	}
	var values []string
	for _, v := range raw {
		if v == "" {
			return nil, false
		}
		if d := pgAddressD(v); !slices.Contains(values, d) {
			values = append(values, d)
		}
	}
	return values, len(values) > 0
}

// pgAddressPlan serves "#d" on addressable kinds from the current versions
// only (event_d_current, migration 0003): the address's d value is
// event.d_tag, so the first branch is an index lookup that never meets a
// superseded version, where event_tag would walk the address's whole
// history. Events that match by a later d tag (event.extra_d, rare) are
// the second branch, minus those the first one returns. On the 200k-event
// bench set this took "#d" on kind 30166 from p99 1.3 ms to 0.64 ms; on
// 1M events, where each address has a longer history, from 0.55 to 0.37
// of the stock store's p99.
func pgAddressPlan(f nostr.Filter, cols string, pks [][]byte, kinds []int32, values []string,
	tags []pgTagCond, vis backend.Visibility) pgQuery {
	var rest []pgTagCond
	for _, t := range tags {
		if t.name != "d" {
			rest = append(rest, t)
		}
	}
	var b pgBuilder
	vals := b.arg(values)
	d := "e.d_tag = ANY(" + vals + "::text[])"
	if len(values) == 1 {
		d = "e.d_tag = " + b.arg(values[0]) + "::text"
	}
	if len(kinds) == 1 {
		b.and("e.kind = " + b.arg(kinds[0]) + "::int4")
	} else {
		b.and("e.kind = ANY(" + b.arg(kinds) + "::int4[])")
	}
	if pks != nil {
		b.and("e.pubkey = ANY(" + b.arg(pks) + "::bytea[])")
	}
	pgEventConds(&b, f, rest, vis)
	common := strings.Join(b.where, " AND ")
	first := "SELECT " + cols + " FROM event e WHERE e.d_tag IS NOT NULL AND " + d + " AND " + common
	others := "SELECT " + cols + " FROM event e WHERE e.extra_d IS NOT NULL AND e.extra_d && " + vals +
		"::text[] AND NOT (" + d + ") AND " + common
	sql := "SELECT r.* FROM ((" + first + ") UNION ALL (" + others + ")) r ORDER BY r.created_at DESC, r.id"
	if f.Limit > 0 {
		sql += " LIMIT " + b.arg(int64(f.Limit))
	}
	return pgQuery{sql: sql, args: b.args, shape: backend.FilterShape(f, false)}
}

// pgUnionMaxKinds bounds pgKindsUnion: one branch per kind.
const pgUnionMaxKinds = 20

// pgKindsUnion plans kinds (no authors) with a limit as a merge of one
// newest-first branch per kind, each stopping after limit rows. The kind
// is written into each branch as a literal (an int32, so nothing to
// escape), not a parameter: the planner then knows from its statistics
// whether the kind is rare, and walks event_kind for it instead of walking
// event_created and skipping every other kind, which is what it picks for
// an unknown kind on a table inserted in created_at order (15,000 rows
// read for 450 served, measured). A replaceable or addressable kind also
// states the predicate of event_kind_current, which holds its current
// versions only: event_kind would walk past every superseded one first.
func pgKindsUnion(f nostr.Filter, cols string, kinds []int32, tags []pgTagCond, vis backend.Visibility) pgQuery {
	var b pgBuilder
	pgEventConds(&b, f, tags, vis)
	conds := strings.Join(b.where, " AND ")
	limit := b.arg(int64(f.Limit))
	branches := make([]string, len(kinds))
	for i, k := range kinds {
		where := "e.kind = " + strconv.Itoa(int(k)) + " AND " + conds
		if nostr.IsReplaceableKind(int(k)) || nostr.IsAddressableKind(int(k)) {
			where += " AND e.d_tag IS NOT NULL" // NOT e.superseded is in conds
		}
		branches[i] = "(SELECT " + cols + " FROM event e WHERE " + where +
			" ORDER BY e.created_at DESC, e.id LIMIT " + limit + ")"
	}
	sql := "SELECT r.* FROM (" + strings.Join(branches, " UNION ALL ") + ") r" +
		" ORDER BY r.created_at DESC, r.id LIMIT " + limit
	return pgQuery{sql: sql, args: b.args, shape: backend.FilterShape(f, false)}
}

// pgKeysCompile is the keys plan: the generic plan in NIP-77 order,
// ascending (created_at, id), resumed after p.After. Only the two key
// columns are read. Without ids, authors or kinds to drive it, it walks
// event_created backwards from p.After (the redundant created_at bound
// gives the walk its start; the row comparison then drops the ties already
// served) and sorts each created_at's few rows by id (an incremental
// sort), so a page reads about as many rows as it returns.
func pgKeysCompile(f nostr.Filter, p backend.KeyPage, wholeOnly bool) pgQuery {
	w, ok := pgParse(f)
	if !ok {
		return pgQuery{empty: true}
	}
	var b pgBuilder
	pgAny(&b, "e.id", w.ids, "bytea")
	pgAny(&b, "e.pubkey", w.pks, "bytea")
	pgAny(&b, "e.kind", w.kinds, "int4")
	if p.After != nil {
		at := b.arg(p.After.CreatedAt)
		b.and("e.created_at >= " + at + "::int8")
		b.and("(e.created_at, e.id) > (" + at + "::int8, " + b.arg(p.After.ID[:]) + "::bytea)")
	}
	if p.MaxSeq > 0 {
		b.and("e.seq <= " + b.arg(int64(min(p.MaxSeq, math.MaxInt64))) + "::int8")
	}
	pgEventConds(&b, f, w.tags, backend.Visibility{Now: p.Now, WholeOnly: wholeOnly})
	sql := "SELECT e.created_at, e.id FROM event e WHERE " + strings.Join(b.where, " AND ") +
		" ORDER BY e.created_at, e.id"
	if p.Limit > 0 {
		sql += " LIMIT " + b.arg(int64(p.Limit))
	}
	return pgQuery{sql: sql, args: b.args, shape: backend.ShapeKeys}
}

// pgWhere is a filter read once for every plan: the well-formed ids and
// authors, the kinds (each once) and the tag conditions (pgTagConds).
type pgWhere struct {
	ids, pks [][]byte
	kinds    []int32
	tags     []pgTagCond
}

// pgParse reads f for pgCompile and pgKeysCompile. ok is false when f
// cannot match anything (search, a value list of nothing well-formed, an
// unindexed tag name).
func pgParse(f nostr.Filter) (w pgWhere, ok bool) {
	if f.Search != "" {
		return w, false
	}
	if f.IDs != nil {
		if w.ids = pgDecodeAll(f.IDs); len(w.ids) == 0 {
			return w, false
		}
	}
	if f.Authors != nil {
		if w.pks = pgDecodeAll(f.Authors); len(w.pks) == 0 {
			return w, false
		}
	}
	if f.Kinds != nil {
		seen := make(map[int32]bool, len(f.Kinds))
		for _, k := range f.Kinds {
			if k >= math.MinInt32 && k <= math.MaxInt32 && !seen[int32(k)] {
				seen[int32(k)] = true
				w.kinds = append(w.kinds, int32(k))
			}
		}
		if len(w.kinds) == 0 {
			return w, false
		}
	}
	w.tags, ok = pgTagConds(f.Tags)
	return w, ok
}

// pgEventConds adds what every plan checks on the event row itself: the
// time bounds, the remaining tag conditions and visibility.
func pgEventConds(b *pgBuilder, f nostr.Filter, tags []pgTagCond, vis backend.Visibility) {
	pgTimeConds(b, f, "e")
	for _, t := range tags {
		b.and("EXISTS (SELECT 1 FROM event_tag x WHERE x.tag_id = ANY(ARRAY(SELECT v.id FROM tag_value v WHERE v.key = ANY(" +
			b.arg(t.keys) + "::bytea[]))) AND x.created_at = e.created_at AND x.event_seq = e.seq)")
	}
	b.and("NOT e.deleted")
	b.and("(e.expires_at IS NULL OR e.expires_at > " + b.arg(vis.Now) + "::int8)")
	if f.IDs == nil {
		b.and("NOT e.superseded")
	}
	if vis.WholeOnly {
		b.and("e.sig IS NOT NULL")
	}
}

// pgTagKey packs a tag name and value into tag_value.key: the name's
// letter, then 0x00 and 32 bytes for a 64-hex value, else the value's
// tagIndexValue (the value itself, never containing NUL, or NUL and 64
// hex digits of its digest: 66 bytes, where the hex form is 34, so the
// forms cannot collide). Filters are packed the same way, so an upper-case
// hex value stays distinct.
func pgTagKey(name, value string) string {
	if len(value) == 64 {
		var buf [34]byte
		buf[0] = name[0]
		if k, ok := backend.AppendHex(buf[:2], value); ok {
			return string(k)
		}
	}
	return name[:1] + backend.TagIndexValue(value)
}

// pgDigestMark starts the digest form of a d value in the TEXT columns
// that hold addresses (event.d_tag and extra_d, replaceable_head.d_tag,
// deletion_address.d_tag). TEXT cannot hold NUL, the mark tagIndexValue
// uses, so values that start with this one are held by digest too, and
// migration 0004 rewrote those archived before.
const pgDigestMark = "\x01"

// pgAddressD is what the address columns hold for a d value: the value
// itself when indexable and not starting with pgDigestMark, else the mark
// and the 64 hex digits of its SHA-256 (65 bytes: a 10 kB d tag would not
// fit in a btree entry, and NUL not in TEXT). Filters reduce their "#d"
// values the same way; tagRecheck keeps the match exact.
func pgAddressD(d string) string {
	if backend.Indexable(d) && !strings.HasPrefix(d, pgDigestMark) {
		return d
	}
	return pgDigestMark + backend.DigestHex(d)
}

// pgTagConds keeps the "#x" conditions that take part: nil value lists are
// ignored (as go-nostr's matcher does); ok is false when one can match
// nothing (unindexed name, empty or unusable values). The condition with
// the fewest values comes first: it drives the query.
func pgTagConds(m nostr.TagMap) (conds []pgTagCond, ok bool) {
	for name, values := range m {
		if values == nil {
			continue
		}
		if !schema.IndexedTagName(name) {
			return nil, false
		}
		var keys [][]byte
		for _, v := range values {
			keys = append(keys, []byte(pgTagKey(name, v)))
		}
		if len(keys) == 0 {
			return nil, false
		}
		conds = append(conds, pgTagCond{name, keys})
	}
	sort.Slice(conds, func(i, j int) bool {
		if len(conds[i].keys) != len(conds[j].keys) {
			return len(conds[i].keys) < len(conds[j].keys)
		}
		return conds[i].name < conds[j].name
	})
	return conds, true
}

func pgTimeConds(b *pgBuilder, f nostr.Filter, alias string) {
	if f.Since != nil {
		b.and(alias + ".created_at >= " + b.arg(int64(*f.Since)) + "::int8")
	}
	if f.Until != nil {
		b.and(alias + ".created_at <= " + b.arg(int64(*f.Until)) + "::int8")
	}
}

// pgDecodeAll decodes the well-formed 64-hex values and drops the rest:
// NIP-01 removed prefix matching, so a malformed value matches nothing.
func pgDecodeAll(list []string) [][]byte {
	out := make([][]byte, 0, len(list))
	for _, s := range list {
		if b, ok := backend.DecodeID(s); ok {
			out = append(out, b)
		}
	}
	return out
}

// pgDedup drops repeated values: each one is a separate scan in pgLateral.
func pgDedup(list [][]byte) [][]byte {
	seen := make(map[string]bool, len(list))
	out := list[:0:0]
	for _, v := range list {
		if !seen[string(v)] {
			seen[string(v)] = true
			out = append(out, v)
		}
	}
	return out
}
