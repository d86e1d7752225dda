// Package storetest is the conformance suite every archive.Store backend
// must pass. It pins the observable behaviour of the Store seam (NIP-01
// filter semantics, replaceable and addressable events, NIP-09 deletion,
// NIP-40 expiration, lil mode, relays, candidates, snapshots and service
// state) so that the embedded and the PostgreSQL backends answer every query
// the same way.
//
// A backend test calls Run with a function that opens a fresh, empty,
// migrated store:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T, mode archive.Mode) archive.Store {
//			s, err := archive.Open(ctx, archive.Options{DataDir: t.TempDir(), Mode: mode})
//			if err != nil {
//				t.Fatal(err)
//			}
//			t.Cleanup(func() { s.Close() })
//			return s
//		})
//	}
//
// The suite uses real signed events (go-nostr) and fixed timestamps; only the
// NIP-40 checks read the wall clock, with margins of hours. Backends must
// also implement SightingsReader.
//
// Decisions the suite pins, beyond the archive.Store doc comments:
//   - Filters follow go-nostr's Filter.Matches: a nil list is no condition, a
//     non-nil empty list (ids, authors, kinds, or one tag's values) matches
//     nothing. ids/authors match only as exact lower-case 64-hex strings;
//     anything else in the list is ignored. Tag names other than one ASCII
//     letter match nothing; Search matches nothing. Limit 0 is no limit.
//   - The tag index holds the first value of every tag whose name is one
//     ASCII letter (repeated tags all count, not only the first of a name).
//     Tags of fewer than two elements ([], ["e"]) index nothing and name no
//     deletion target or d value; ["t",""] indexes the empty value. All are
//     served back as sent.
//   - Storage rules (identical in every backend, and in both modes): content
//     and tag elements are any valid UTF-8 of any length, U+0000 and
//     non-characters included, served back byte-identical. Rejected:
//     invalid UTF-8 anywhere (content, tag names, tag values: a JSON encoder
//     would serve it as U+FFFD, breaking the id), a kind outside int32,
//     malformed id/pubkey/sig and nil events. A filter on a tag value over
//     MaxTagValue bytes or holding NUL matches exactly the events holding
//     it, replaceable and addressable addresses included; a filter value no
//     stored tag can hold matches nothing.
//   - Replacement address: (pubkey, kind) for 0, 3, 10000-19999;
//     (pubkey, kind, first d tag value or "") for 30000-39999. The current
//     version is chosen among all stored versions, hidden or not: deleting or
//     expiring the current version empties the address; an older version is
//     never served again without ids.
//   - NIP-09 `e`: hides the target only when its pubkey equals the deleter's,
//     never a kind 5, and also when the target arrives later. `a`
//     ("kind:pubkey:d"): only when pubkey is the deleter's and kind is
//     replaceable or addressable (the d part is ignored for replaceable
//     kinds); hides versions with created_at <= the deletion's, including
//     ones arriving later. IsDeleted is true only for a stored event so hidden.
//   - NIP-40: the first "expiration" tag, parsed as a base-10 integer
//     (malformed: never expires); an event is hidden once now >= expiration.
//     Expired events are still stored (Inserted).
//   - Provenance: the first (event, relay) pair recorded keeps its seen_at,
//     also within one batch. Sightings are only made on relays the suite added
//     with AddRelays first; other URLs are left to the backend.
//   - Candidates: DueCandidates returns never-attempted candidates and those
//     whose last attempt is strictly before notAttemptedSince, ordered by
//     failures, then last attempt (never first), then URL. RecordFailures on
//     an unknown URL does nothing. Promote is all-or-nothing.
//   - ScanArchived: events in the order they were first stored, by strictly
//     increasing seq, duplicates never again; superseded and expired events
//     included, deleted ones (by id, before or after they arrive) skipped;
//     kinds empty (nil or not) is every kind; the returned position is the
//     last seq yielded for a full page, else past everything examined. A
//     reader paging beside concurrent writers sees every event exactly once.
//   - JSON values (snapshot data, state) are compared by meaning, not bytes.
//   - A cancelled context fails every call with an error wrapping
//     context.Canceled, also while QueryEvents streams.
package storetest
