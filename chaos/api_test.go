//go:build chaos

package chaos

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// relayDetail is what the tests read of /api/v1/relays/{url}.
type relayDetail struct {
	URL         string     `json:"url"`
	LastChecked *time.Time `json:"last_checked"`
	Online      bool       `json:"online"`
	Sync        *struct {
		Archived      time.Time `json:"archived"`
		Flagged       bool      `json:"flagged"`
		ExhaustedRuns int64     `json:"exhausted_runs"`
		DayEvents     int64     `json:"day_events"`
	} `json:"sync"`
}

// relay returns the node's record of a relay; ok is false while the node
// does not know it as a relay (404: not validated yet).
func (n *node) relay(relayURL string) (d relayDetail, ok bool, err error) {
	ctx, cancel := callCtx()
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, n.api+"/api/v1/relays/"+url.PathEscape(relayURL)+"?days=1", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return d, false, fmt.Errorf("api relay %s: %w", relayURL, err)
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusNotFound:
		return d, false, nil
	default:
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 1000))
		return d, false, fmt.Errorf("api relay %s: %s: %s", relayURL, resp.Status, b)
	}
	if err := json.NewDecoder(resp.Body).Decode(&d); err != nil {
		return d, false, fmt.Errorf("api relay %s: %w", relayURL, err)
	}
	return d, true, nil
}

// metricSet is one scrape of the node's /metrics.
type metricSet map[string]*dto.MetricFamily

func (n *node) scrape() (metricSet, error) {
	ctx, cancel := callCtx()
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, n.metrics, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("scrape: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("scrape: %s", resp.Status)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("scrape: %w", err)
	}
	return fams, nil
}

// sum adds the samples of a counter or gauge whose labels include want.
func (s metricSet) sum(name string, want map[string]string) float64 {
	f, ok := s[name]
	if !ok {
		return 0
	}
	total := 0.0
	for _, m := range f.GetMetric() {
		match := 0
		for _, lp := range m.GetLabel() {
			if v, ok := want[lp.GetName()]; ok && v == lp.GetValue() {
				match++
			}
		}
		if match != len(want) {
			continue
		}
		switch {
		case m.Counter != nil:
			total += m.GetCounter().GetValue()
		case m.Gauge != nil:
			total += m.GetGauge().GetValue()
		case m.Untyped != nil:
			total += m.GetUntyped().GetValue()
		}
	}
	return total
}

// labels returns the label values of name's series with a non-zero value
// for label, each with its value: the reasons or outcomes seen.
func (s metricSet) labels(name, label string) map[string]float64 {
	out := map[string]float64{}
	f, ok := s[name]
	if !ok {
		return out
	}
	for _, m := range f.GetMetric() {
		v := m.GetCounter().GetValue() + m.GetGauge().GetValue()
		for _, lp := range m.GetLabel() {
			if lp.GetName() == label && v != 0 {
				out[lp.GetValue()] += v
			}
		}
	}
	return out
}
