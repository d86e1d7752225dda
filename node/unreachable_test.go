package node

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/bigbrotr/bigbrotr/web"
)

// TestOverviewSaysNoCandidateIsReachable: a node whose every candidate
// refuses connections (closed loopback ports, allow_private on: as a
// machine without outbound access sees the real network) says so in its
// overview, the API's and the page's.
func TestOverviewSaysNoCandidateIsReachable(t *testing.T) {
	var seeds []string
	for range 12 {
		srv := httptest.NewServer(http.NotFoundHandler())
		seeds = append(seeds, "ws"+strings.TrimPrefix(srv.URL, "http"))
		srv.Close() // nothing listens there any more
	}
	file := filepath.Join(t.TempDir(), "seeds.txt")
	if err := os.WriteFile(file, []byte(strings.Join(seeds, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tn := startNode(t, func(c *Config) {
		c.Seeder.File, c.Network.AllowPrivate = file, true
		c.Validator.Interval = time.Second
		c.Monitor.Enabled, c.Synchronizer.Enabled, c.Finder.Enabled = false, false, false
	})
	base := "http://" + tn.Addr()
	// The validator counts the candidates of the cycle that warned: the
	// seeder may still be adding the last ones when the first cycle runs.
	warning := regexp.MustCompile(`^0 of (1[0-2]|[1-9]) candidates reachable: is outbound network access blocked\?$`)
	var want string
	deadline := time.Now().Add(time.Minute)
	for {
		res, err := http.Get(base + "/api/v1/overview")
		if err != nil {
			t.Fatal(err)
		}
		var ov web.Summary
		err = json.NewDecoder(res.Body).Decode(&ov)
		res.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if len(ov.Warnings) == 1 && warning.MatchString(ov.Warnings[0]) {
			want = ov.Warnings[0]
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("overview warnings %q after a minute, want one matching %s", ov.Warnings, warning)
		}
		time.Sleep(200 * time.Millisecond) // the overview is cached for 10s at most
	}
	res, err := http.Get(base + "/")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	page, _ := io.ReadAll(res.Body)
	if !strings.Contains(string(page), `role="alert">`+want) {
		t.Errorf("the overview page does not show the warning")
	}
}
