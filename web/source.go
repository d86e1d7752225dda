package web

import (
	"context"
	"encoding/json"
	"errors"
	"time"
)

// ErrNotFound is returned by Source.Relay for a URL that is not a
// validated relay.
var ErrNotFound = errors.New("not found")

// Source is what the pages and the API read. Every method honours ctx.
type Source interface {
	// Overview is the node-wide summary beside the relay list: candidates
	// by network, archive size and ingest rate, loop health.
	Overview(ctx context.Context) (Overview, error)
	// Relays lists every validated relay with its latest check results.
	Relays(ctx context.Context) ([]Relay, error)
	// Relay is one relay with its history since the given time, or
	// ErrNotFound.
	Relay(ctx context.Context, url string, since time.Time) (RelayDetail, error)
	// Stats are the archive's statistics as of their last refresh.
	Stats(ctx context.Context) (Stats, error)
}

// Overview is the Source's part of the overview; the handler adds the
// per-network relay counts from the relay list.
type Overview struct {
	// Candidates are relays waiting for validation, by network.
	Candidates map[string]int `json:"candidates"`
	Events     Ingest         `json:"events"`
	Loops      []LoopHealth   `json:"loops"`
	// Setup says what the node's configuration leaves out that an empty
	// node needs (no way to learn relays, a loop turned off); the overview
	// shows it while the node knows no relay.
	Setup []string `json:"setup"`
	// Warnings are conditions the operator should act on now (no
	// candidate reachable: outbound network blocked?).
	Warnings []string `json:"warnings"`
}

// Ingest is the archive's size and growth.
type Ingest struct {
	// Archived counts the events in the archive; nil until the statistics
	// were computed once.
	Archived *int64 `json:"archived"`
	// Rate is events archived per second over the last few minutes; nil
	// until two samples were taken.
	Rate *float64 `json:"rate"`
	// StatsAt is when the statistics were last refreshed; nil when never.
	StatsAt *time.Time `json:"stats_at"`
}

// Loop states.
const (
	LoopStarting = "starting" // no cycle finished yet
	LoopOK       = "ok"       // last cycle succeeded, recently
	LoopDone     = "done"     // a one-shot loop (the seeder) finished
	LoopLate     = "late"     // no success for more than two periods, no failure either (a long cycle)
	LoopFailing  = "failing"  // cycles fail and none succeeded for two periods
)

// LoopHealth is one crawler loop as its metrics describe it.
type LoopHealth struct {
	Name string `json:"name"`
	// State is one of the Loop* constants.
	State string `json:"state"`
	// Period is the time between cycle starts, in seconds (0: runs once).
	Period float64 `json:"period_seconds"`
	// Interval is the configured interval, in seconds: Period for most
	// loops; for the monitor, how often each relay is checked (its cycles
	// start every Period and check the relays that are due).
	Interval float64 `json:"interval_seconds"`
	// Running: a cycle is under way, started at CycleStarted.
	Running      bool       `json:"running"`
	CycleStarted *time.Time `json:"cycle_started"`
	// NextDue is when the next cycle starts (a running cycle that overruns
	// is followed at once); nil for a loop that runs once or has not
	// started its first cycle.
	NextDue *time.Time `json:"next_due"`
	// ItemsDone of ItemsDue is the progress of the current cycle (of the
	// last one between cycles).
	ItemsDone   int64      `json:"items_done"`
	ItemsDue    int64      `json:"items_due"`
	LastSuccess *time.Time `json:"last_success"`
	Successes   int64      `json:"successes"`
	Failures    int64      `json:"failures"`
	// MeanDuration is the mean cycle duration in seconds; nil before the
	// first cycle.
	MeanDuration *float64 `json:"mean_duration_seconds"`
}

// RTT is one round trip measurement set, in milliseconds; a nil phase was
// not measured or failed.
type RTT struct {
	Open  *int64 `json:"open"`
	Read  *int64 `json:"read"`
	Write *int64 `json:"write"`
}

// Relay is a validated relay and its latest check results.
type Relay struct {
	URL          string    `json:"url"`
	Network      string    `json:"network"`
	DiscoveredAt time.Time `json:"discovered_at"`
	// Online: the newest RTT check reached the relay and is recent (two
	// monitor intervals).
	Online      bool       `json:"online"`
	LastChecked *time.Time `json:"last_checked"`
	RTT         RTT        `json:"rtt"`
	// From the newest NIP-11 document.
	Name     string `json:"name"`
	Software string `json:"software"`
	Version  string `json:"version"`
	NIPs     []int  `json:"nips"` // claimed in NIP-11
	// VerifiedNIPs are the claimed NIPs the monitor saw working.
	VerifiedNIPs []int      `json:"verified_nips"`
	Country      string     `json:"country"`
	City         string     `json:"city"`
	ASN          uint       `json:"asn"`
	ASOrg        string     `json:"as_org"`
	SSLExpires   *time.Time `json:"ssl_expires"`
	// Events archived from the relay, as of the last statistics refresh.
	Events int64 `json:"events"`

	// Lat and Lon are the GeoIP location; nil when the relay is not
	// located (overlay networks, no GeoIP database, no match).
	Lat *float64 `json:"lat"`
	Lon *float64 `json:"lon"`
	// DistanceKM is the great-circle distance from near= in the relay
	// list, absent otherwise.
	DistanceKM *float64 `json:"distance_km,omitempty"`

	// DisprovedNIPs are the claimed NIPs the monitor's tests refuted: the
	// nip filter and the NIP statistics leave them out (see Supports).
	DisprovedNIPs []int `json:"disproved_nips"`
}

// RelayDetail is one relay with its history.
type RelayDetail struct {
	Relay
	// NIP11 is the newest NIP-11 document as parsed; null when none.
	NIP11 json.RawMessage `json:"nip11"`
	// Since is the start of the history window.
	Since time.Time `json:"since"`
	// History is every RTT check since Since, oldest first.
	History []RTTPoint `json:"history"`
	// Uptime is the share of History that reached the relay; nil when
	// History is empty.
	Uptime *float64   `json:"uptime"`
	SSL    *SSL       `json:"ssl"`
	Geo    *Geo       `json:"geo"`
	Kinds  []KindStat `json:"kinds"` // events archived from it, by kind
	// Sync is the synchronizer's record of the relay; nil before its
	// first run.
	Sync *SyncState `json:"sync"`

	// Monitors is what other monitors say about the relay; nil when the
	// node does not compare monitors. Filled by the handler.
	Monitors *RelayMonitors `json:"monitors"`
}

// SyncState is the synchronizer's record of one relay.
type SyncState struct {
	// Archived: every event dated before it is archived.
	Archived time.Time `json:"archived"`
	// Flagged relays ended their last ExhaustedRuns runs in a row (three
	// or more) on their budget: a relay that never stops sending.
	Flagged       bool `json:"flagged"`
	ExhaustedRuns int  `json:"exhausted_runs"`
	// DayEvents is what the relay added since DayStart, against
	// synchronizer.relay_daily_events.
	DayStart  time.Time `json:"day_start"`
	DayEvents int64     `json:"day_events"`
}

// RTTPoint is one RTT check.
type RTTPoint struct {
	At     time.Time `json:"at"`
	Online bool      `json:"online"`
	RTT    RTT       `json:"rtt"`
	// Reason is why the relay was not reached, "" when it was.
	Reason string `json:"reason"`
}

// SSL is the newest certificate check.
type SSL struct {
	Valid      bool       `json:"valid"`
	Problem    string     `json:"problem"` // why it is not valid
	Issuer     string     `json:"issuer"`
	Subject    string     `json:"subject"`
	Expires    *time.Time `json:"expires"`
	TLSVersion string     `json:"tls_version"`
}

// Geo is the newest GeoIP location.
type Geo struct {
	Country  string   `json:"country"`
	City     string   `json:"city"`
	Lat      *float64 `json:"lat"`
	Lon      *float64 `json:"lon"`
	TimeZone string   `json:"time_zone"`
	Geohash  string   `json:"geohash"`
}

// Stats are the archive statistics the API serves.
type Stats struct {
	// RefreshedAt is nil before the first refresh (all lists empty).
	RefreshedAt *time.Time     `json:"refreshed_at"`
	Events      EventTotals    `json:"events"`
	Kinds       []KindStat     `json:"events_by_kind"`
	Days        []DayStat      `json:"events_by_day"`
	Software    []SoftwareStat `json:"relays_by_software"`
	NIPs        []NIPStat      `json:"relays_by_nip"`
	Countries   []CountryStat  `json:"relays_by_country"`
}

// EventTotals are archive-wide event counts.
type EventTotals struct {
	Events      int64 `json:"events"`
	Pubkeys     int64 `json:"pubkeys"`
	Kinds       int64 `json:"kinds"`
	Regular     int64 `json:"regular"`
	Replaceable int64 `json:"replaceable"`
	Ephemeral   int64 `json:"ephemeral"`
	Addressable int64 `json:"addressable"`
	LastHour    int64 `json:"last_hour"`
	LastDay     int64 `json:"last_day"`
	LastWeek    int64 `json:"last_week"`
	LastMonth   int64 `json:"last_month"`
}

// KindStat counts events of one kind (Pubkeys 0 when not known).
type KindStat struct {
	Kind    int   `json:"kind"`
	Events  int64 `json:"events"`
	Pubkeys int64 `json:"pubkeys"`
}

// DayStat counts events created on one UTC day ("2006-01-02").
type DayStat struct {
	Day     string `json:"day"`
	Events  int64  `json:"events"`
	Pubkeys int64  `json:"pubkeys"`
	Kinds   int64  `json:"kinds"`
}

// SoftwareStat counts relays by NIP-11 software and version.
type SoftwareStat struct {
	Software string `json:"software"`
	Version  string `json:"version"`
	Relays   int64  `json:"relays"`
}

// NIPStat counts relays by NIP. Relays are those supporting it: claimed
// and not disproved (verified, or a claim no test covers).
type NIPStat struct {
	NIP       int   `json:"nip"`
	Relays    int64 `json:"relays"`
	Claimed   int64 `json:"claimed"`
	Verified  int64 `json:"verified"`
	Disproved int64 `json:"disproved"`
}

// CountryStat counts relays by country.
type CountryStat struct {
	Country string `json:"country"`
	Relays  int64  `json:"relays"`
}
