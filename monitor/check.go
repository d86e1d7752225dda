package monitor

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/bigbrotr/bigbrotr/internal/loop"
	"github.com/bigbrotr/bigbrotr/monitor/probe"
	"github.com/bigbrotr/bigbrotr/schema"
)

// Result is everything one check of one relay found.
type Result struct {
	URL schema.RelayURL
	// At is when the check started: the snapshots' generated_at and the
	// 30166's created_at.
	At time.Time
	// Outcomes holds one outcome per check that ran; checks that do not
	// apply, are disabled, or were skipped because the relay was
	// unreachable are absent.
	Outcomes map[probe.Check]probe.Outcome
}

// Reachable reports whether the relay answered over WebSocket as a relay
// in this check: the condition for publishing a 30166.
func (r *Result) Reachable() bool {
	o, ok := r.Outcomes[probe.CheckRTT].(*probe.RTTOutcome)
	return ok && o.Success
}

func outcome[O probe.Outcome](r *Result, c probe.Check) O {
	o, _ := r.Outcomes[c].(O)
	return o
}

// checkRelay runs the enabled checks on one relay in two phases. First
// nip11, rtt, ssl and dns side by side: none needs another, and a dead or
// hanging relay then costs one timeout, not four. Then, only if rtt found
// the relay reachable, nips and http (which reuse the NIP-11 response) and
// geo and net (which reuse the DNS addresses).
func (m *Monitor) checkRelay(ctx context.Context, u schema.RelayURL) (*Result, error) {
	res := &Result{URL: u, At: m.Now(), Outcomes: map[probe.Check]probe.Outcome{}}
	t := probe.Target{
		URL: u, Transport: m.tr, GeoIP: m.geo, Auth: m.cfg.Auth, Now: m.Now,
		NIP11MaxBytes: m.cfg.NIP11MaxBytes, Limits: m.cfg.Client,
	}
	if m.cfg.WriteProbe {
		t.Signer = m.signer
	}
	if err := m.phase(ctx, res, t, probe.CheckNIP11, probe.CheckRTT, probe.CheckSSL, probe.CheckDNS); err != nil {
		return nil, err
	}
	if !res.Reachable() {
		return res, nil
	}
	if doc := outcome[*probe.NIP11Outcome](res, probe.CheckNIP11); doc != nil {
		t.NIP11 = doc
	}
	if d := outcome[*probe.DNSOutcome](res, probe.CheckDNS); d != nil && d.Success {
		t.Addrs = d.Addrs()
	}
	if err := m.phase(ctx, res, t, probe.CheckNIPs, probe.CheckHTTP, probe.CheckGeo, probe.CheckNet); err != nil {
		return nil, err
	}
	return res, nil
}

// phase runs checks concurrently and adds their outcomes to res. Checks
// that are not enabled or do not apply are skipped; the error is only ever
// ctx's.
func (m *Monitor) phase(ctx context.Context, res *Result, t probe.Target, checks ...probe.Check) error {
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	for _, c := range checks {
		if !m.runs(c, t.URL) {
			continue
		}
		wg.Go(func() {
			o, err := m.attempt(ctx, c, t)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				res.Outcomes[c] = o
			case errors.Is(err, probe.ErrNotApplicable), errors.Is(err, probe.ErrDisabled):
			default:
				errs = append(errs, err)
			}
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return err
	}
	return errors.Join(errs...)
}

// runs reports whether check is enabled and makes sense for u.
func (m *Monitor) runs(c probe.Check, u schema.RelayURL) bool {
	if !m.cfg.enabled(c) || !probe.Applies(c, u) {
		return false
	}
	if c == probe.CheckGeo || c == probe.CheckNet {
		return m.geo.Enabled(c)
	}
	return true
}

// attempt runs one check under its timeout, retrying quick failures with
// capped exponential backoff and jitter. The last outcome is returned,
// failed or not.
func (m *Monitor) attempt(ctx context.Context, c probe.Check, t probe.Target) (probe.Outcome, error) {
	timeout := m.cfg.timeout(t.URL.Network())
	for try := 0; ; try++ {
		actx, cancel := context.WithTimeout(ctx, timeout)
		start := time.Now()
		o, err := probe.Table[c](actx, t)
		cancel()
		if err != nil {
			return nil, err
		}
		st := o.State()
		m.m.observe(c, st, time.Since(start))
		if st.Success || try >= m.cfg.Retries || !retryable(st.Reason) {
			return o, nil
		}
		if !loop.Sleep(ctx, backoff(try, m.cfg.RetryDelay, m.cfg.RetryMaxDelay)) {
			return nil, ctx.Err()
		}
	}
}

// retryable: failures that are quick and may be transient. A timeout has
// spent the whole budget already (retrying it would multiply what a dead
// relay costs), and a refusal, a bad document or a guard refusal will be
// the same a second later.
func retryable(r probe.Reason) bool {
	switch r {
	case probe.ReasonConnect, probe.ReasonClosed, probe.ReasonDNS, probe.ReasonError:
		return true
	}
	return false
}

// backoff is the wait before retry number try+1: base·2^try capped at max,
// plus up to half of that as jitter, so that relays failing together do
// not retry in step.
func backoff(try int, base, max time.Duration) time.Duration {
	d := loop.Backoff(try+1, base, max)
	return d + rand.N(d/2+1)
}
