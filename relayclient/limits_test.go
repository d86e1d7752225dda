package relayclient

import (
	"strings"
	"testing"
	"time"
)

func TestLimitsValidate(t *testing.T) {
	if err := DefaultLimits().Validate("x.client"); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	tests := []struct {
		name string
		edit func(*Limits)
		want []string
	}{
		{"zero", func(l *Limits) { *l = Limits{} }, []string{"x.client.first_answer", "x.client.idle", "x.client.req_time",
			"x.client.req_events", "x.client.req_bytes", "x.client.conn_time", "x.client.conn_events", "x.client.conn_bytes"}},
		{"negative idle", func(l *Limits) { l.Idle = -time.Second }, []string{"x.client.idle: must be positive"}},
		{"request longer than connection", func(l *Limits) { l.ReqTime = 2 * l.ConnTime }, []string{"x.client.req_time: must not exceed conn_time"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := DefaultLimits()
			tt.edit(&l)
			err := l.Validate("x.client")
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}
