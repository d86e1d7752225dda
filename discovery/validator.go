package discovery

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/bigbrotr/bigbrotr/internal/loop"
	"github.com/bigbrotr/bigbrotr/relayclient"
	"github.com/bigbrotr/bigbrotr/schema"
	"github.com/bigbrotr/bigbrotr/transport"
)

// ValidatorConfig is the [validator] section.
type ValidatorConfig struct {
	// Interval between cycle starts (default 5m).
	Interval time.Duration `toml:"interval"`
	// CycleTimeout bounds one cycle (default 30m); candidates left over wait
	// for the next one.
	CycleTimeout time.Duration `toml:"cycle_timeout"`
	// Timeout bounds one candidate: dial, REQ and the first answer (default 20s).
	Timeout time.Duration `toml:"timeout"`
	// Concurrency is how many candidates of one network are probed at once
	// (default 20). Networks are probed side by side.
	Concurrency int `toml:"concurrency"`
	// BatchSize is how many due candidates are taken from the store at a
	// time; their outcomes are written together (default 100).
	BatchSize int `toml:"batch_size"`
	// MaxPerCycle caps the candidates probed per network per cycle; 0 (the
	// default) means every due candidate.
	MaxPerCycle int `toml:"max_per_cycle"`
	// RetryBase is the wait after a first failure; it doubles with every
	// further failure (default 10m) up to RetryMax (default 24h).
	RetryBase time.Duration `toml:"retry_base"`
	RetryMax  time.Duration `toml:"retry_max"`
	// MaxFailures drops a candidate after that many failed attempts
	// (default 30: about three weeks at the default backoff).
	MaxFailures int `toml:"max_failures"`
	// Client bounds the handshake with one candidate ([validator.client],
	// see DefaultValidatorLimits): its first answer must come within
	// first_answer, however many NOTICE or AUTH frames it sends.
	Client relayclient.Limits `toml:"client"`
}

// DefaultValidatorLimits are the [validator.client] defaults: a handshake
// reads one answer, so a candidate gets 10s to give it and little room
// for anything else.
func DefaultValidatorLimits() relayclient.Limits {
	return relayclient.Limits{
		FirstAnswer: 10 * time.Second,
		Idle:        10 * time.Second,
		ReqTime:     15 * time.Second,
		ReqEvents:   10,
		ReqBytes:    1 << 20,
		ConnTime:    20 * time.Second,
		ConnEvents:  100,
		ConnBytes:   4 << 20,
	}
}

// DefaultValidatorConfig returns the documented defaults.
func DefaultValidatorConfig() ValidatorConfig {
	return ValidatorConfig{
		Interval:     5 * time.Minute,
		CycleTimeout: 30 * time.Minute,
		Timeout:      20 * time.Second,
		Concurrency:  20,
		BatchSize:    100,
		RetryBase:    10 * time.Minute,
		RetryMax:     24 * time.Hour,
		Client:       DefaultValidatorLimits(),
		MaxFailures:  30,
	}
}

// Validate returns every problem at once, each naming its key path.
func (c ValidatorConfig) Validate() error {
	var errs []error
	positive := func(key string, d time.Duration) {
		if d <= 0 {
			errs = append(errs, fmt.Errorf("validator.%s: must be a positive duration, got %v", key, d))
		}
	}
	between := func(key string, n, lo, hi int) {
		if n < lo || n > hi {
			errs = append(errs, fmt.Errorf("validator.%s: must be between %d and %d, got %d", key, lo, hi, n))
		}
	}
	positive("interval", c.Interval)
	positive("cycle_timeout", c.CycleTimeout)
	positive("timeout", c.Timeout)
	positive("retry_base", c.RetryBase)
	positive("retry_max", c.RetryMax)
	if c.RetryMax < c.RetryBase {
		errs = append(errs, fmt.Errorf("validator.retry_max: must be at least retry_base (%v), got %v", c.RetryBase, c.RetryMax))
	}
	between("concurrency", c.Concurrency, 1, 1000)
	between("batch_size", c.BatchSize, 1, 10000)
	between("max_per_cycle", c.MaxPerCycle, 0, 1<<30)
	between("max_failures", c.MaxFailures, 1, 1<<20)
	if err := c.Client.Validate("validator.client"); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// Validator promotes candidates that prove they speak Nostr.
type Validator struct {
	cfg   ValidatorConfig
	store ValidatorStore
	tr    *transport.Transport
	reach reach
	*loop.Runner
}

// ValidatorStats is what one cycle did, by network.
type ValidatorStats struct {
	Probed   map[schema.Network]int
	Promoted map[schema.Network]int
	Failed   map[schema.Network]int
	Dropped  map[schema.Network]int // failed for the max_failures-th time
	Reasons  map[string]int         // failures by Reason* label
}

// NewValidator validates cfg and builds a validator dialling through tr.
func NewValidator(cfg ValidatorConfig, store ValidatorStore, tr *transport.Transport, o Options) (*Validator, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if store == nil || tr == nil {
		return nil, errors.New("validator: nil store or transport")
	}
	v := &Validator{cfg: cfg, store: store, tr: tr}
	var err error
	if v.Runner, err = loop.New(spec(NameValidator, cfg.Interval, cfg.CycleTimeout, ValidationReasons()), o.Options, v.RunOnce); err != nil {
		return nil, err
	}
	return v, nil
}

// RunOnce probes the due candidates of every enabled network once. Networks
// whose proxy is disabled are left alone: their candidates wait, without
// failures, until the network is enabled.
func (v *Validator) RunOnce(ctx context.Context) (ValidatorStats, error) {
	st := ValidatorStats{
		Probed: map[schema.Network]int{}, Promoted: map[schema.Network]int{},
		Failed: map[schema.Network]int{}, Dropped: map[schema.Network]int{}, Reasons: map[string]int{},
	}
	var mu sync.Mutex
	start := v.Now()
	g, gctx := errgroup.WithContext(ctx)
	for _, n := range schema.Networks {
		if !v.tr.NetworkEnabled(n) {
			continue
		}
		g.Go(func() error { return v.network(gctx, n, start, &st, &mu) })
	}
	err := g.Wait()
	v.noteReach(ctx, nil, true)
	return st, err
}

// network works through one network's due candidates, batch by batch. Due
// is judged at the cycle's start, so a candidate failed in this cycle is not
// retried in it whatever the backoff.
func (v *Validator) network(ctx context.Context, n schema.Network, start time.Time, st *ValidatorStats, mu *sync.Mutex) error {
	attempted := map[schema.RelayURL]bool{}
	for {
		limit := v.cfg.BatchSize
		if v.cfg.MaxPerCycle > 0 {
			limit = min(limit, v.cfg.MaxPerCycle-len(attempted))
		}
		if limit <= 0 {
			return nil
		}
		batch, err := v.dueCandidates(ctx, n, start, limit, attempted)
		if err != nil {
			return fmt.Errorf("validator: due %s candidates: %w", n, err)
		}
		if len(batch) == 0 {
			return nil
		}
		for _, c := range batch {
			attempted[c.URL] = true
		}
		loop.ProgressFrom(ctx).Due(len(batch))
		if err := v.batch(ctx, n, batch, st, mu); err != nil {
			return err
		}
		loop.ProgressFrom(ctx).Done(len(batch))
	}
}

// batch probes candidates under the network's concurrency and records the
// outcomes: promotion (relay insert and candidate delete in one
// transaction), a failure with its attempt time, or the drop of a candidate
// that reached max_failures.
func (v *Validator) batch(ctx context.Context, n schema.Network, batch []schema.Candidate, st *ValidatorStats, mu *sync.Mutex) error {
	reasons := make([]string, len(batch))
	var wg sync.WaitGroup
	sem := make(chan struct{}, v.cfg.Concurrency)
	for i, c := range batch {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			pctx, cancel := context.WithTimeout(ctx, v.cfg.Timeout)
			defer cancel()
			reasons[i] = speaksNostr(pctx, v.tr, c.URL.String(), v.cfg.Client)
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return err // outcomes under a dying context say nothing about the relays
	}
	v.noteReach(ctx, reasons, false)
	now := v.Now()
	var (
		promote []schema.Relay
		failed  []schema.Candidate
		drop    []schema.RelayURL
	)
	for i, c := range batch {
		if reasons[i] == "" {
			promote = append(promote, schema.Relay{URL: c.URL, Network: c.Network, DiscoveredAt: now})
			continue
		}
		c.Failures++
		c.LastAttempt = now
		if c.Failures >= v.cfg.MaxFailures {
			drop = append(drop, c.URL)
		} else {
			failed = append(failed, c)
		}
		v.Logger().Debug("candidate failed", "relay", c.URL, "reason", reasons[i], "failures", c.Failures)
	}
	if len(promote) > 0 {
		if err := v.store.Promote(ctx, promote); err != nil {
			return fmt.Errorf("validator: promote: %w", err)
		}
	}
	if len(failed) > 0 {
		if err := v.store.RecordFailures(ctx, failed); err != nil {
			return fmt.Errorf("validator: record failures: %w", err)
		}
	}
	if len(drop) > 0 {
		if err := v.store.DropCandidates(ctx, drop); err != nil {
			return fmt.Errorf("validator: drop candidates: %w", err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	st.Probed[n] += len(batch)
	st.Promoted[n] += len(promote)
	st.Failed[n] += len(failed) + len(drop)
	st.Dropped[n] += len(drop)
	for _, r := range reasons {
		if r != "" {
			st.Reasons[r]++
		}
	}
	return nil
}

func sum[K comparable](m map[K]int) int {
	t := 0
	for _, n := range m {
		t += n
	}
	return t
}

// LoopStats is the cycle in the runner's terms.
func (st ValidatorStats) LoopStats() loop.Stats {
	items := map[string]int{}
	for n, c := range st.Probed {
		items[string(n)] = c
	}
	return loop.Stats{
		Items:   items,
		Rejects: st.Reasons,
		Attrs: []slog.Attr{
			slog.Int("promoted", sum(st.Promoted)), slog.Int("failed", sum(st.Failed)), slog.Int("dropped", sum(st.Dropped)),
		},
	}
}
