package monitor_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/nbd-wtf/go-nostr"

	"github.com/bigbrotr/bigbrotr/monitor"
	"github.com/bigbrotr/bigbrotr/monitor/probe"
	"github.com/bigbrotr/bigbrotr/schema"
)

// The 30166 built from a NIP-11 with \u0000, raw invalid UTF-8 and a
// 10 KB field is accepted by the node's own archive and served back
// verifiable, whichever field holds the poison.
func TestHostileNIP11PublishableToArchive(t *testing.T) {
	big := strings.Repeat("d", 10<<10)
	for name, body := range map[string]string{
		"nul in name":         `{"name":"a\u0000b","supported_nips":[1,11]}`,
		"nul in tags":         `{"tags":["x\u0000y","\u0000"],"language_tags":["en\u0000-US"]}`,
		"invalid utf-8":       `{"description":"` + "\xff\xfe\xed\xa0\x80" + `","tags":["` + "\xc3" + `ok"]}`,
		"10 KB field":         `{"description":"` + big + `","tags":["` + big + `"]}`,
		"control characters":  `{"tags":["bell\u0007","esc\u001b[31m","del` + "\x7f" + `"],"software":"\u0001"}`,
		"everything together": `{"name":"\u0000","description":"` + big + "\xff" + `","tags":["\u0000` + big + `"]}`,
	} {
		t.Run(name, func(t *testing.T) {
			info, err := probe.ParseNIP11([]byte(body))
			if err != nil {
				t.Fatal(err)
			}
			var compact bytes.Buffer
			if err := json.Compact(&compact, []byte(body)); err != nil {
				t.Fatal(err)
			}
			res := &monitor.Result{URL: schema.MustRelayURL("wss://hostile.example.com"), At: time.Unix(1_700_000_000, 0),
				Outcomes: map[probe.Check]probe.Outcome{
					probe.CheckNIP11: &probe.NIP11Outcome{Status: probe.Status{Success: true}, Info: info, Raw: compact.Bytes()},
					probe.CheckRTT: &probe.RTTOutcome{Status: probe.Status{Success: true},
						Open: probe.Phase{Success: true, Duration: time.Millisecond}},
				}}
			ev := monitor.RelayDiscovery(res)
			if ev.Content == "" || !json.Valid([]byte(ev.Content)) {
				t.Errorf("content %.80q is not the document as valid JSON", ev.Content)
			}
			if err := ev.Sign(testKey); err != nil {
				t.Fatal(err)
			}
			st := openStore(t)
			saved, err := st.SaveEvents(context.Background(), []schema.Sighting{{Event: &ev}})
			if err != nil || saved.Inserted != 1 {
				t.Fatalf("archive: %+v, %v; want the 30166 inserted", saved, err)
			}
			var got []*nostr.Event
			err = st.QueryEvents(context.Background(), nostr.Filter{Kinds: []int{monitor.KindRelayDiscovery},
				Tags: nostr.TagMap{"d": {"wss://hostile.example.com"}}}, func(e *nostr.Event) error { got = append(got, e); return nil })
			if err != nil || len(got) != 1 {
				t.Fatalf("served %d events, %v", len(got), err)
			}
			if ok, err := got[0].CheckSignature(); !got[0].CheckID() || !ok {
				t.Errorf("served 30166 does not verify: %v", err)
			}
			for _, tag := range got[0].Tags {
				for _, v := range tag {
					if strings.ContainsFunc(v, func(r rune) bool { return r < 0x20 || r == 0x7f }) || len(v) > 256 {
						t.Errorf("tag %.60q holds a control character or is over 256 bytes", tag)
					}
				}
			}
		})
	}
}
