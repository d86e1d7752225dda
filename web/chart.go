package web

import (
	"fmt"
	"html/template"
	"math"
	"strings"
	"time"
)

// Chart geometry, in SVG user units (the SVG scales to its container).
const (
	chartW, chartH             = 720.0, 240.0
	padL, padR, padT, padB     = 56.0, 12.0, 14.0, 40.0
	plotW, plotH               = chartW - padL - padR, chartH - padT - padB
	offlineMarkH               = 8.0
	chartFont                  = `font-family="sans-serif" font-size="11"`
	chartAxisStyle             = `stroke="#999" stroke-width="1"`
	chartGridStyle             = `stroke="#e3e3e3" stroke-width="1"`
	rttOpenColor, rttReadColor = "#1f77b4", "#2ca02c"
	rttWriteColor, downColor   = "#ff7f0e", "#d62728"
)

// rttChart draws the RTT history (open, read and write lines; a red mark
// per check that did not reach the relay) from since to until. Lines break
// where a phase was not measured rather than bridging the gap.
//
// The time axis starts at the first check when that is later than since
// (a relay monitored for an hour gets an hour-wide chart, not a sliver of a
// week), with a little room on the left.
func rttChart(points []RTTPoint, since, until time.Time) template.HTML {
	if len(points) > 0 && points[0].At.After(since) {
		if start := points[0].At.Add(-until.Sub(points[0].At) / 20); start.After(since) {
			since = start
		}
	}
	var b strings.Builder
	top := int64(0)
	for _, p := range points {
		for _, v := range []*int64{p.RTT.Open, p.RTT.Read, p.RTT.Write} {
			if v != nil && *v > top {
				top = *v
			}
		}
	}
	yMax := niceCeil(float64(top))
	span := until.Sub(since).Seconds()
	if span <= 0 {
		span = 1
	}
	x := func(t time.Time) float64 {
		return padL + plotW*math.Min(1, math.Max(0, t.Sub(since).Seconds()/span))
	}
	y := func(ms int64) float64 { return padT + plotH*(1-float64(ms)/yMax) }

	fmt.Fprintf(&b, `<svg class="chart rtt-chart" viewBox="0 0 %.0f %.0f" role="img" aria-labelledby="rtt-title" xmlns="http://www.w3.org/2000/svg">`, chartW, chartH)
	fmt.Fprintf(&b, `<title id="rtt-title">Round-trip times from %s to %s, %d checks</title>`, since.UTC().Format(time.DateOnly), until.UTC().Format(time.DateOnly), len(points))
	for i := 0; i <= 4; i++ {
		v := yMax * float64(i) / 4
		yy := padT + plotH*(1-float64(i)/4)
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" %s/>`, padL, yy, padL+plotW, yy, chartGridStyle)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="end" %s>%s ms</text>`, padL-6, yy+4, chartFont, trimFloat(v))
	}
	step, layout := timeTicks(until.Sub(since))
	for t := since.UTC().Truncate(step).Add(step); t.Before(until); t = t.Add(step) {
		xx := x(t)
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" %s/>`, xx, padT, xx, padT+plotH, chartGridStyle)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle" %s>%s</text>`, xx, padT+plotH+16, chartFont, t.Format(layout))
	}
	fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" %s/>`, padL, padT+plotH, padL+plotW, padT+plotH, chartAxisStyle)
	for _, s := range []struct {
		name, color string
		get         func(RTT) *int64
	}{
		{"open", rttOpenColor, func(r RTT) *int64 { return r.Open }},
		{"read", rttReadColor, func(r RTT) *int64 { return r.Read }},
		{"write", rttWriteColor, func(r RTT) *int64 { return r.Write }},
	} {
		var (
			d    strings.Builder
			dots []string // points with no neighbour to draw a line to
			run  []string // the current segment's points
		)
		flush := func() {
			if len(run) == 1 {
				dots = append(dots, run[0])
			}
			run = run[:0]
		}
		for _, p := range points {
			v := s.get(p.RTT)
			if v == nil {
				flush()
				continue
			}
			cmd := "L"
			if len(run) == 0 {
				cmd = "M"
			}
			pt := fmt.Sprintf("%.1f %.1f", x(p.At), y(*v))
			d.WriteString(cmd + pt + " ")
			run = append(run, pt)
		}
		flush()
		if d.Len() > 0 {
			fmt.Fprintf(&b, `<path class="rtt-%s" d="%s" fill="none" stroke="%s" stroke-width="1.5" stroke-linejoin="round"/>`,
				s.name, strings.TrimSpace(d.String()), s.color)
		}
		for _, pt := range dots {
			cx, cy, _ := strings.Cut(pt, " ")
			fmt.Fprintf(&b, `<circle class="rtt-%s-point" cx="%s" cy="%s" r="2.5" fill="%s"/>`, s.name, cx, cy, s.color)
		}
	}
	for _, p := range points {
		if !p.Online {
			xx := x(p.At)
			fmt.Fprintf(&b, `<line class="rtt-down" x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="2"><title>%s: %s</title></line>`,
				xx, padT+plotH-offlineMarkH, xx, padT+plotH, downColor, p.At.UTC().Format(time.DateTime), template.HTMLEscapeString(orDash(p.Reason)))
		}
	}
	legend := []struct{ name, color string }{{"open", rttOpenColor}, {"read", rttReadColor}, {"write", rttWriteColor}, {"unreachable", downColor}}
	for i, l := range legend {
		lx := padL + float64(i)*110
		fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="10" height="10" fill="%s"/><text x="%.1f" y="%.1f" %s>%s</text>`,
			lx, chartH-12, l.color, lx+14, chartH-3, chartFont, l.name)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// dayWindow bounds the events-per-day chart: at least minDays days ending
// today, widened to the first day with events, at most maxDays.
const (
	minDays = 30
	maxDays = 366
)

// barChart draws events per day on a calendar axis that ends on now's UTC
// day: a day without events is an empty slot, so a 37-day gap shows as 37
// days of nothing rather than two adjacent bars. The window covers the
// data back to maxDays; the title counts the events left out (older, or
// created in the future).
func barChart(days []DayStat, now time.Time) template.HTML {
	today := now.UTC().Truncate(24 * time.Hour)
	first := today.AddDate(0, 0, 1-minDays)
	type bar struct {
		at time.Time
		DayStat
	}
	var (
		bars          []bar
		before, after int64
	)
	for _, d := range days {
		t, err := time.Parse(time.DateOnly, d.Day)
		if err != nil {
			continue
		}
		bars = append(bars, bar{t, d})
		if t.Before(first) && !t.Before(today.AddDate(0, 0, 1-maxDays)) {
			first = t
		}
	}
	n := int(today.Sub(first).Hours()/24) + 1
	top := int64(0)
	shown := 0
	for _, b := range bars {
		switch {
		case b.at.Before(first):
			before += b.Events
		case b.at.After(today):
			after += b.Events
		default:
			top = max(top, b.Events)
			shown++
		}
	}
	yMax := niceCeil(float64(top))
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart day-chart" viewBox="0 0 %.0f %.0f" role="img" aria-labelledby="days-title" xmlns="http://www.w3.org/2000/svg" data-days="%d">`, chartW, chartH, n)
	title := fmt.Sprintf("Events archived by day created, %s to %s (%d days, %d with events)",
		first.Format(time.DateOnly), today.Format(time.DateOnly), n, shown)
	if before > 0 {
		title += fmt.Sprintf("; %d events created earlier not shown", before)
	}
	if after > 0 {
		title += fmt.Sprintf("; %d events dated in the future not shown", after)
	}
	fmt.Fprintf(&b, `<title id="days-title">%s</title>`, title)
	for i := 0; i <= 4; i++ {
		yy := padT + plotH*(1-float64(i)/4)
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" %s/>`, padL, yy, padL+plotW, yy, chartGridStyle)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="end" %s>%s</text>`, padL-6, yy+4, chartFont, trimFloat(yMax*float64(i)/4))
	}
	slot := plotW / float64(n)
	slotX := func(t time.Time) float64 { return padL + slot*t.Sub(first).Hours()/24 }
	// Day labels at a step that leaves room for about six of them,
	// counted back from today so today is always labelled.
	step := 1
	for _, s := range []int{1, 2, 5, 7, 14, 30, 61, 91} {
		if step = s; n/s <= 6 {
			break
		}
	}
	for i := 0; i < n; i += step {
		t := today.AddDate(0, 0, -i)
		xx := slotX(t) + slot/2
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" %s/>`, xx, padT+plotH, xx, padT+plotH+4, chartAxisStyle)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle" %s>%s</text>`, xx, padT+plotH+16, chartFont, t.Format("Jan 02"))
	}
	for _, d := range bars {
		if d.at.Before(first) || d.at.After(today) {
			continue
		}
		h := plotH * float64(d.Events) / yMax
		fmt.Fprintf(&b, `<rect class="day-bar" data-day="%s" x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s: %d events</title></rect>`,
			d.Day, slotX(d.at)+slot*0.15, padT+plotH-h, math.Max(slot*0.7, 0.5), h, rttOpenColor, d.Day, d.Events)
	}
	fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" %s/>`, padL, padT+plotH, padL+plotW, padT+plotH, chartAxisStyle)
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// timeTicks picks the time axis step (at most eight ticks over span) and
// its label layout.
func timeTicks(span time.Duration) (time.Duration, string) {
	for _, step := range []time.Duration{time.Minute, 5 * time.Minute, 15 * time.Minute, time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour} {
		if span/step <= 8 {
			return step, "15:04"
		}
	}
	for _, days := range []time.Duration{1, 2, 7, 14, 30} {
		if step := days * 24 * time.Hour; span/step <= 8 {
			return step, "Jan 02"
		}
	}
	return 30 * 24 * time.Hour, "Jan 02"
}

// niceCeil rounds v up to 1, 2 or 5 times a power of ten (at least 1), so
// the axis ticks (quarters) read well.
func niceCeil(v float64) float64 {
	if v <= 1 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if v <= m*p {
			return m * p
		}
	}
	return 10 * p
}

func trimFloat(v float64) string {
	if v == math.Trunc(v) {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.1f", v)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
