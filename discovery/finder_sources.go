package discovery

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/bigbrotr/bigbrotr/schema"
)

// sourceCheckpoint is the persisted state of one HTTP source.
type sourceCheckpoint struct {
	LastSuccess int64 `json:"last_success"` // unix seconds
}

// errTooLarge: a source body exceeded source_max_bytes.
var errTooLarge = errors.New("body exceeds finder.source_max_bytes")

// sources fetches every HTTP source whose cooldown has passed, one after
// the other. A failing source is logged, counted and left without a new
// checkpoint, so it is tried again next cycle; the others carry on. Only
// store errors are returned.
func (f *Finder) sources(ctx context.Context) error {
	states, err := f.store.ListState(ctx, ServiceFinder, StateSource)
	if err != nil {
		return fmt.Errorf("finder: load source checkpoints: %w", err)
	}
	last := map[string]time.Time{}
	for _, s := range states {
		var cp sourceCheckpoint
		if json.Unmarshal(s.Value, &cp) == nil && cp.LastSuccess > 0 {
			last[s.Key] = time.Unix(cp.LastSuccess, 0)
		}
	}
	client := f.tr.HTTPClient()
	configured := map[string]bool{}
	for i, src := range f.cfg.Sources {
		configured[src.URL] = true
		now := f.Now()
		if t, ok := last[src.URL]; ok && now.Sub(t) < f.cfg.SourceCooldown {
			f.st.SourcesSkipped++
			continue
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		urls, err := f.fetchSource(ctx, client, src.URL, f.paths[i])
		if err != nil {
			f.st.SourceFailures++
			f.Logger().Warn("source failed", "source", src.URL, "error", err)
			continue
		}
		f.st.SourcesFetched++
		f.collect(urls)
		if err := f.flush(ctx); err != nil {
			return err
		}
		v, _ := json.Marshal(sourceCheckpoint{LastSuccess: now.Unix()})
		if err := f.store.PutState(ctx, []schema.State{{Service: ServiceFinder, Type: StateSource, Key: src.URL, Value: v}}); err != nil {
			return fmt.Errorf("finder: save source checkpoint: %w", err)
		}
	}
	// Forget checkpoints of sources no longer configured.
	var stale []schema.State
	for _, s := range states {
		if !configured[s.Key] {
			stale = append(stale, s)
		}
	}
	if len(stale) > 0 {
		if err := f.store.DeleteState(ctx, stale); err != nil {
			return fmt.Errorf("finder: delete stale source checkpoints: %w", err)
		}
	}
	return nil
}

// fetchSource GETs one source through the transport (so the private-address
// guard applies to it and to its redirects) and selects its URL strings.
func (f *Finder) fetchSource(ctx context.Context, client *http.Client, url string, p Path) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, f.cfg.SourceTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("source %s: %w", url, err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("source %s: %w", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("source %s: status %s", url, resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, f.cfg.SourceMaxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("source %s: read body: %w", url, err)
	}
	if int64(len(body)) > f.cfg.SourceMaxBytes {
		return nil, fmt.Errorf("source %s: %w", url, errTooLarge)
	}
	urls, err := p.SelectJSON(body)
	if err != nil {
		return nil, fmt.Errorf("source %s: %w", url, err)
	}
	return urls, nil
}
