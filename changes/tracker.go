package changes

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/bigbrotr/bigbrotr/schema"
)

// Store is what the tracker needs from the archive.
type Store interface {
	// GetState returns one entry or an error matching schema.ErrNotFound.
	GetState(ctx context.Context, service, typ, key string) (schema.State, error)
	// PutState upserts entries.
	PutState(ctx context.Context, s []schema.State) error
	// SaveChanges stores changes, assigning their IDs.
	SaveChanges(ctx context.Context, c []schema.Change) (int, error)
	// AddUptime adds checks to relays' day counts.
	AddUptime(ctx context.Context, u []schema.DayUptime) error
}

// Service and state type under which each relay's Tracked state is kept
// (key: the relay URL).
const (
	ServiceName  = "changes"
	StateTracked = "tracked"
)

// Tracker detects and stores the changes of the relays the monitor checks.
type Tracker struct {
	store Store
	rules Rules
	log   *slog.Logger
	// notify, when set, receives every batch of changes once stored.
	notify func(context.Context, []schema.Change)
	found  *prometheus.CounterVec
}

// NewTracker builds a tracker; notify may be nil, and so may reg (no
// metrics registered).
func NewTracker(store Store, rules Rules, log *slog.Logger, reg prometheus.Registerer, notify func(context.Context, []schema.Change)) (*Tracker, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	t := &Tracker{store: store, rules: rules, log: log.With("component", "changes"), notify: notify,
		found: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "bigbrotr_changes_total",
			Help: "Relay state changes stored, by kind."}, []string{"kind"})}
	for _, k := range schema.ChangeKinds {
		t.found.WithLabelValues(k)
	}
	if reg != nil {
		if err := reg.Register(t.found); err != nil {
			return nil, fmt.Errorf("changes: metrics: %w", err)
		}
	}
	return t, nil
}

// Observed takes the snapshots the monitor just stored (any number of
// relays, one check each), records each relay's changes and uptime and
// hands the changes on. It is the monitor's Observed hook: a store error
// is logged and returned, and never undoes the monitor's own writes.
func (t *Tracker) Observed(ctx context.Context, snaps []schema.Snapshot) error {
	var (
		order  []schema.RelayURL
		byURL  = map[schema.RelayURL][]schema.Snapshot{}
		states []schema.State
		found  []schema.Change
		uptime []schema.DayUptime
		errs   []error
	)
	for _, s := range snaps {
		if _, ok := byURL[s.Relay]; !ok {
			order = append(order, s.Relay)
		}
		byURL[s.Relay] = append(byURL[s.Relay], s)
	}
	for _, u := range order {
		o, err := Observe(byURL[u])
		if err != nil {
			errs = append(errs, err)
			continue
		}
		prev, err := t.load(ctx, u)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		next, ch := Step(prev, o, t.rules)
		b, _ := json.Marshal(next) // plain fields: cannot fail
		states = append(states, schema.State{Service: ServiceName, Type: StateTracked, Key: u.String(), Value: b})
		found = append(found, ch...)
		if o.HasRTT {
			d := schema.DayUptime{Relay: u, Day: Day(o.At), Checks: 1}
			if o.Reachable {
				d.Reachable = 1
			}
			uptime = append(uptime, d)
		}
	}
	// Changes first: a state saved without its changes would hide them
	// for good, changes saved twice (the state write failed) are visible
	// and harmless.
	if len(found) > 0 {
		if _, err := t.store.SaveChanges(ctx, found); err != nil {
			errs = append(errs, fmt.Errorf("changes: save: %w", err))
			found = nil
			states = nil
		}
	}
	if len(states) > 0 {
		if err := t.store.PutState(ctx, states); err != nil {
			errs = append(errs, fmt.Errorf("changes: save tracked state: %w", err))
		}
	}
	if len(uptime) > 0 {
		if err := t.store.AddUptime(ctx, uptime); err != nil {
			errs = append(errs, fmt.Errorf("changes: save uptime: %w", err))
		}
	}
	for _, c := range found {
		t.found.WithLabelValues(c.Kind).Inc()
		t.log.Info("relay changed", "relay", c.Relay.String(), "change", c.Kind)
	}
	if len(found) > 0 && t.notify != nil {
		t.notify(ctx, found)
	}
	err := errors.Join(errs...)
	if err != nil {
		t.log.Warn("track changes", "err", err)
	}
	return err
}

func (t *Tracker) load(ctx context.Context, u schema.RelayURL) (Tracked, error) {
	var tr Tracked
	st, err := t.store.GetState(ctx, ServiceName, StateTracked, u.String())
	switch {
	case errors.Is(err, schema.ErrNotFound):
		return tr, nil
	case err != nil:
		return tr, fmt.Errorf("changes: read tracked state of %s: %w", u, err)
	}
	if json.Unmarshal(st.Value, &tr) != nil {
		// A state this binary cannot read starts the relay afresh rather
		// than stopping its tracking for good.
		t.log.Warn("unreadable tracked state, starting afresh", "relay", u.String())
		return Tracked{}, nil
	}
	return tr, nil
}

// Day is the UTC day of t, as its midnight.
func Day(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
