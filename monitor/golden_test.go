package monitor

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nbd-wtf/go-nostr"

	"github.com/bigbrotr/bigbrotr/monitor/probe"
	"github.com/bigbrotr/bigbrotr/nodekey"
	"github.com/bigbrotr/bigbrotr/schema"
)

var update = flag.Bool("update", false, "rewrite the golden files")

var (
	goldenKey   = strings.Repeat("07", 32)
	goldenClock = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
)

func ptr[T any](v T) *T { return &v }

func phase(ms int) *probe.Phase {
	return &probe.Phase{Success: true, Duration: time.Duration(ms) * time.Millisecond}
}

func refused(r probe.Reason, msg string) *probe.Phase {
	return &probe.Phase{Reason: r, Message: msg, AuthRequired: r == probe.ReasonAuthRequired}
}

// doc parses a NIP-11 document the way the nip11 probe does.
func doc(t *testing.T, raw string) *probe.NIP11Outcome {
	t.Helper()
	info, err := probe.ParseNIP11([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, []byte(raw)); err != nil {
		t.Fatal(err)
	}
	return &probe.NIP11Outcome{Status: probe.Status{Success: true}, Info: info, Raw: compact.Bytes()}
}

const healthyDoc = `{
  "name": "Example", "description": "An example relay.", "pubkey": "` + "aa" + `",
  "supported_nips": [1, 11, 42, 45, 50, 77],
  "software": "https://github.com/example/relay", "version": "1.2.3",
  "limitation": {"auth_required": false, "payment_required": false, "restricted_writes": false, "min_pow_difficulty": 0},
  "language_tags": ["en", "pt-BR", "en-US"], "tags": ["Bitcoin", "sfw-only"]
}`

const paidDoc = `{
  "name": "Paid", "supported_nips": [1, 11, 29, 40],
  "limitation": {"payment_required": true, "restricted_writes": true, "min_pow_difficulty": 8},
  "language_tags": ["*"], "tags": [],
  "retention": [{"kinds": [4, [40, 49]], "time": 0}, {"kinds": [1], "time": 3600}, {"time": null}],
  "fees": {"admission": [{"amount": 21000, "unit": "msats"}]}
}`

// hostileDoc holds what broke the 30166 of a relay serving it: \u0000 in
// strings, raw invalid UTF-8 and a 10 KB field.
var hostileDoc = `{"name":"bad\u0000name","description":"` + strings.Repeat("d", 10<<10) + `",
  "software":"raw ` + "\xff\xfe" + ` invalid","supported_nips":[1,11,1e1],
  "tags":["ok","nul\u0000tag","` + "\xff" + `bad\u0007bell","` + strings.Repeat("t", 300) + `"],
  "language_tags":["en\u0000"],"limitation":{"auth_required":false}}`

func goldenResults(t *testing.T) map[string]*Result {
	t.Helper()
	geo := &probe.GeoOutcome{Status: probe.Status{Success: true}, IP: "203.0.113.7", Country: "DE", City: "Berlin",
		Lat: ptr(52.5244), Lon: ptr(13.4105), TimeZone: "Europe/Berlin", Geohash: probe.Geohash(52.5244, 13.4105, 9)}
	net := &probe.NetOutcome{Status: probe.Status{Success: true}, IPv4: "203.0.113.7", ASN: 24940, ASOrg: "Hetzner Online GmbH"}
	hostile := strings.Repeat("x", 200)
	return map[string]*Result{
		// Every check answered; NIP-50 was claimed but refused.
		"healthy": {URL: schema.MustRelayURL("wss://relay.example.com"), At: goldenClock, Outcomes: map[probe.Check]probe.Outcome{
			probe.CheckNIP11: doc(t, healthyDoc),
			probe.CheckRTT:   &probe.RTTOutcome{Status: probe.Status{Success: true}, Open: *phase(120), Read: phase(45), Write: phase(60)},
			probe.CheckNIPs: &probe.NIPsOutcome{Status: probe.Status{Success: true}, Claimed: []int{1, 11, 42, 45, 50, 77},
				Verified: []int{42, 45, 77}, Tests: []probe.NIPTest{{NIP: 42, Verdict: probe.NIPVerified},
					{NIP: 45, Verdict: probe.NIPVerified}, {NIP: 50, Verdict: probe.NIPRefused, Reason: probe.ReasonTimeout},
					{NIP: 77, Verdict: probe.NIPVerified}}},
			probe.CheckGeo: geo,
			probe.CheckNet: net,
		}},
		// Writes refused for payment; NIP-11 says restricted writes and PoW.
		"paid": {URL: schema.MustRelayURL("wss://paid.example.com/nostr"), At: goldenClock, Outcomes: map[probe.Check]probe.Outcome{
			probe.CheckNIP11: doc(t, paidDoc),
			probe.CheckRTT: &probe.RTTOutcome{Status: probe.Status{Success: true}, Open: *phase(300), Read: phase(80),
				Write: refused(probe.ReasonPaymentRequired, "restricted: payment required")},
			probe.CheckNIPs: &probe.NIPsOutcome{Status: probe.Status{Success: true}, Claimed: []int{1, 11, 29, 40}},
		}},
		// Reads need AUTH, which the monitor answered; writes went through.
		"auth-read": {URL: schema.MustRelayURL("wss://inbox.example.com"), At: goldenClock, Outcomes: map[probe.Check]probe.Outcome{
			probe.CheckRTT: &probe.RTTOutcome{Status: probe.Status{Success: true}, Open: *phase(90),
				Read: &probe.Phase{Success: true, AuthRequired: true, Duration: 70 * time.Millisecond}, Write: phase(40),
				Challenged: true, Authenticated: true},
		}},
		// A tor relay without NIP-11 and without the write test.
		"tor-no-nip11": {URL: schema.MustRelayURL("ws://abcdefghijklmnopqrstuvwxyz234567abcdefghijklmnopqrstuvwx.onion"), At: goldenClock,
			Outcomes: map[probe.Check]probe.Outcome{
				probe.CheckNIP11: &probe.NIP11Outcome{Status: probe.Status{Reason: probe.ReasonHTTPStatus, Detail: "HTTP 404"}},
				probe.CheckRTT:   &probe.RTTOutcome{Status: probe.Status{Success: true}, Open: *phase(1500), Read: phase(800)},
			}},
		// A NIP-11 with NUL (escaped), raw invalid UTF-8 and a 10 KB field:
		// tags are cleaned, the content is valid JSON.
		"hostile-nip11": {URL: schema.MustRelayURL("wss://hostile.example.com"), At: goldenClock, Outcomes: map[probe.Check]probe.Outcome{
			probe.CheckNIP11: doc(t, hostileDoc),
			probe.CheckRTT:   &probe.RTTOutcome{Status: probe.Status{Success: true}, Open: *phase(10), Read: phase(5)},
		}},
		// No write test: requirements come from NIP-11 alone; hostile tags are cut.
		"self-report": {URL: schema.MustRelayURL("wss://outbox.example.com"), At: goldenClock, Outcomes: map[probe.Check]probe.Outcome{
			probe.CheckNIP11: doc(t, `{"supported_nips":["1","11"],"limitation":{"auth_required":true},
				"tags":["`+hostile+`","music","Music"],"language_tags":["de-AT","eng","x"]}`),
			probe.CheckRTT: &probe.RTTOutcome{Status: probe.Status{Success: true}, Open: *phase(10), Read: phase(5)},
		}},
	}
}

func TestRelayDiscoveryGolden(t *testing.T) {
	for name, res := range goldenResults(t) {
		t.Run(name, func(t *testing.T) {
			ev := RelayDiscovery(res)
			if err := nodekey.Signer(goldenKey).SignEvent(context.Background(), &ev); err != nil {
				t.Fatal(err)
			}
			checkGolden(t, "30166-"+name, &ev)
		})
	}
}

func TestAnnouncementGolden(t *testing.T) {
	def := DefaultConfig()
	noWrite := DefaultConfig()
	noWrite.WriteProbe, noWrite.Geohash, noWrite.Interval, noWrite.Timeout = false, "u33dc0cpp", 4*time.Hour, 5*time.Second
	noWrite.Checks = []string{"rtt", "nip11", "geo"}
	for name, ev := range map[string]nostr.Event{
		"10166-default":  Announcement(def, goldenClock),
		"10166-no-write": Announcement(noWrite, goldenClock),
		"0-profile":      ProfileEvent(Profile{Name: "bigbrotr", About: "A relay monitor.", Picture: "https://example.com/i.png"}, goldenClock),
		"10002-relays":   RelayList([]string{"wss://Relay.Example.com/", "wss://nos.lol"}, goldenClock),
	} {
		t.Run(name, func(t *testing.T) {
			if err := nodekey.Signer(goldenKey).SignEvent(context.Background(), &ev); err != nil {
				t.Fatal(err)
			}
			checkGolden(t, name, &ev)
		})
	}
}

// checkGolden compares ev with testdata/name.json and checks that it is a
// valid, verifiable event.
func checkGolden(t *testing.T, name string, ev *nostr.Event) {
	t.Helper()
	if ok, err := ev.CheckSignature(); !ok || err != nil {
		t.Fatalf("signature does not verify: %v", err)
	}
	for _, tag := range ev.Tags {
		if len(tag) < 2 {
			t.Errorf("tag %v has no value", tag)
		}
	}
	got, err := json.MarshalIndent(ev, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	path := filepath.Join("testdata", name+".json")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file:\n got %s\nwant %s", name, got, want)
	}
}
