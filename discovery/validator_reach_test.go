package discovery

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/bigbrotr/bigbrotr/internal/loop"
)

// TestValidatorWarnsWhenNothingIsReachable: candidates none of which can be
// connected to (closed loopback ports with allow_private, the same ports
// refused by the guard without it) give one WARN line and the page's
// warning; one reachable relay among them gives neither.
func TestValidatorWarnsWhenNothingIsReachable(t *testing.T) {
	const dead = 25 // below reachWarnAfter: the warning waits for the cycle's end
	for _, c := range []struct {
		name         string
		allowPrivate bool
		healthy      bool
		want         string
	}{
		{"closed ports", true, false, "0 of 25 candidates reachable: is outbound network access blocked?"},
		{"guard refuses", false, false, "0 of 25 candidates reachable: is outbound network access blocked?"},
		{"one relay answers", true, true, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := openStore(t)
			// A closed port may be handed out again: dead distinct URLs.
			var urls []string
			for seen := map[string]bool{}; len(urls) < dead; {
				if u := deadURL(t); !seen[u] {
					seen[u] = true
					urls = append(urls, u)
				}
			}
			if c.healthy {
				urls = append(urls[1:], newRelay(t, nil, relayOpts{}))
			}
			addCandidates(t, s, urls...)
			var buf bytes.Buffer
			cfg := testValidatorConfig()
			cfg.BatchSize, cfg.Concurrency = 10, 10
			v, err := NewValidator(cfg, s, newTransport(t, c.allowPrivate),
				Options{Options: loop.Options{Logger: slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelWarn}))}})
			if err != nil {
				t.Fatal(err)
			}
			for range 2 { // the second cycle finds nothing due and must not warn again
				if _, err := v.RunOnce(context.Background()); err != nil {
					t.Fatal(err)
				}
			}
			if got := v.NoneReachable(); got != c.want {
				t.Errorf("NoneReachable() = %q, want %q", got, c.want)
			}
			lines := strings.Count(buf.String(), "candidates reachable")
			if c.want == "" && lines != 0 || c.want != "" && (lines != 1 || !strings.Contains(buf.String(), "level=WARN") || !strings.Contains(buf.String(), "loop=validator")) {
				t.Errorf("log has %d warnings, want %v:\n%s", lines, c.want != "", buf.String())
			}
		})
	}
}
