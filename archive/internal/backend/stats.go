package backend

import "time"

// Stats are the archive's statistics as of the last RefreshStats: the
// seed's event, kind, daily, per-relay, software, NIP and country counts.
// Event counts include hidden rows (deleted, superseded, expired): they
// describe what was archived, not what the relay serves.
type Stats struct {
	// RefreshedAt is when they were computed; zero when never.
	RefreshedAt time.Time
	Events      EventStats
	Kinds       []KindCount     // by kind
	Daily       []DayCount      // by day, oldest first
	Relays      []RelayEvents   // events archived per relay (provenance), by URL
	Software    []SoftwareCount // relays per NIP-11 software and version, most first
	NIPs        []NIPCount      // relays per NIP claimed in NIP-11, by NIP
	Countries   []CountryCount  // relays per GeoIP country, most first
}

// EventStats are archive-wide event counts.
type EventStats struct {
	Events, Pubkeys, Kinds int64
	// Oldest and Newest are the extreme created_at (unix seconds), 0 when
	// the archive is empty.
	Oldest, Newest int64
	// By NIP-01 kind range; kinds in no range are the rest of Events.
	Regular, Replaceable, Ephemeral, Addressable int64
	// Created in the last hour, day, 7 days and 30 days before RefreshedAt.
	LastHour, LastDay, LastWeek, LastMonth int64
	// ArchiveHead is the highest archival position (ScanArchived's seq)
	// counted: CountArchived(ArchiveHead) is what was archived since.
	ArchiveHead uint64
}

// KindCount counts events of one kind. Pubkeys is 0 in RelayKinds.
type KindCount struct {
	Kind            int
	Events, Pubkeys int64
}

// DayCount counts events created on one UTC day.
type DayCount struct {
	Day                    time.Time // midnight UTC
	Events, Pubkeys, Kinds int64
}

// RelayEvents is the provenance of one relay: events first seen there
// or also there, and the first and last sighting.
type RelayEvents struct {
	URL                 string
	Events              int64
	FirstSeen, LastSeen time.Time
}

// SoftwareCount counts relays by the software and version of their newest
// NIP-11 document ("unknown" when absent).
type SoftwareCount struct {
	Software, Version string
	Relays            int64
}

// NIPCount counts relays whose newest NIP-11 document claims NIP.
type NIPCount struct {
	NIP    int
	Relays int64
}

// CountryCount counts relays whose newest geo snapshot places them in
// Country (ISO 3166-1 alpha-2).
type CountryCount struct {
	Country string
	Relays  int64
}

// PruneResult counts what PruneSnapshots deleted.
type PruneResult struct {
	Snapshots int64 // relay_metadata rows past the retention
	Metadata  int64 // documents no snapshot refers to any more
}

// Snapshot types the statistics read, and the fields they read: the
// monitor's nip11 snapshot {"info": {"software", "version",
// "supported_nips"}} and geo snapshot {"country"}. A change of those
// shapes in monitor/probe must be mirrored in both stats migrations.
const (
	StatsNIP11Type = "nip11"
	StatsGeoType   = "geo"
)

// pruneBatch bounds one DELETE of PruneSnapshots, so that pruning a large
// backlog never holds locks (or the embedded store's writer) for long.
const PruneBatch = 5000

// unixDay is midnight UTC of unix day d.
func unixDay(d int64) time.Time { return time.Unix(d*86400, 0).UTC() }

// scanFunc is the Scan of one result row: pgx.Rows and *sql.Rows share it.
type scanFunc func(dest ...any) error

// statsEventSQL reads the one row of stats_event (no row: never refreshed).
const StatsEventSQL = `SELECT refreshed_at, events, pubkeys, kinds, oldest, newest, regular, replaceable,
	ephemeral, addressable, last_hour, last_day, last_week, last_month, archive_head FROM stats_event`

// scanEventStats fills st from the row of statsEventSQL.
func ScanEventStats(scan scanFunc, st *Stats) error {
	var (
		e               = &st.Events
		refreshed, head int64
		oldest, newest  *int64 // NULL on an empty archive
	)
	if err := scan(&refreshed, &e.Events, &e.Pubkeys, &e.Kinds, &oldest, &newest, &e.Regular, &e.Replaceable,
		&e.Ephemeral, &e.Addressable, &e.LastHour, &e.LastDay, &e.LastWeek, &e.LastMonth, &head); err != nil {
		return err
	}
	st.RefreshedAt, e.ArchiveHead = time.Unix(refreshed, 0), uint64(head)
	if oldest != nil && newest != nil {
		e.Oldest, e.Newest = *oldest, *newest
	}
	return nil
}

// statsList is one query of the statistics lists and how each of its rows
// lands in Stats; both backends run the same SQL.
type StatsList struct {
	SQL string
	Row func(scanFunc) error
}

// statsLists reads every list of st after stats_event.
func StatsLists(st *Stats) []StatsList {
	return []StatsList{
		{"SELECT kind, events, pubkeys FROM stats_kind ORDER BY kind", func(scan scanFunc) error {
			var k KindCount
			err := scan(&k.Kind, &k.Events, &k.Pubkeys)
			st.Kinds = append(st.Kinds, k)
			return err
		}},
		{"SELECT day, events, pubkeys, kinds FROM stats_daily ORDER BY day", func(scan scanFunc) error {
			var (
				d   DayCount
				day int64
			)
			err := scan(&day, &d.Events, &d.Pubkeys, &d.Kinds)
			d.Day = unixDay(day)
			st.Daily = append(st.Daily, d)
			return err
		}},
		{"SELECT relay_url, events, first_seen, last_seen FROM stats_relay ORDER BY relay_url", func(scan scanFunc) error {
			var (
				r           RelayEvents
				first, last int64
			)
			err := scan(&r.URL, &r.Events, &first, &last)
			r.FirstSeen, r.LastSeen = time.Unix(first, 0), time.Unix(last, 0)
			st.Relays = append(st.Relays, r)
			return err
		}},
		{"SELECT software, version, relays FROM stats_software ORDER BY relays DESC, software, version", func(scan scanFunc) error {
			var c SoftwareCount
			err := scan(&c.Software, &c.Version, &c.Relays)
			st.Software = append(st.Software, c)
			return err
		}},
		{"SELECT nip, relays FROM stats_nip ORDER BY nip", func(scan scanFunc) error {
			var c NIPCount
			err := scan(&c.NIP, &c.Relays)
			st.NIPs = append(st.NIPs, c)
			return err
		}},
		{"SELECT country, relays FROM stats_country ORDER BY relays DESC, country", func(scan scanFunc) error {
			var c CountryCount
			err := scan(&c.Country, &c.Relays)
			st.Countries = append(st.Countries, c)
			return err
		}},
	}
}

// relayKindsList reads one relay's stats_relay_kind rows ($1 / ?1: the URL).
func RelayKindsList(out *[]KindCount, placeholder string) StatsList {
	return StatsList{"SELECT kind, events FROM stats_relay_kind WHERE relay_url = " + placeholder + " ORDER BY events DESC, kind",
		func(scan scanFunc) error {
			var k KindCount
			err := scan(&k.Kind, &k.Events)
			*out = append(*out, k)
			return err
		}}
}

// pruneStep is one DELETE of PruneSnapshots, run until it deletes fewer
// than pruneBatch rows.
type PruneStep struct {
	SQL  string
	Args []any
	N    *int64
}

// pruneInBatches runs each step's batches with exec, which runs one batch
// in its own transaction and returns the rows it deleted.
func PruneInBatches(steps []PruneStep, exec func(sql string, args []any) (int64, error)) error {
	for _, st := range steps {
		for {
			n, err := exec(st.SQL, st.Args)
			if err != nil {
				return err
			}
			*st.N += n
			if n < PruneBatch {
				break
			}
		}
	}
	return nil
}
