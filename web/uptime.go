package web

import (
	"fmt"
	"html/template"
	"strings"
	"time"
)

// Uptime bar geometry: one bar per day, today on the right.
const (
	upBarW, upBarGap, upBarH = 6.0, 2.0, 24.0
	upNoData                 = "#d9d9d9"
)

// uptimeBar draws the last 90 UTC days up to now's as one bar each,
// coloured by the share of that day's checks that reached the relay:
// green at 100%, through yellow and orange, to red under 80%; grey for a
// day without checks. Each bar's title gives the figures.
func uptimeBar(days []UptimeDay, now time.Time) template.HTML {
	return uptimeSVG(days, now, "uptime-bar", uptimeDays*(upBarW+upBarGap)-upBarGap, upBarH)
}

// uptimeMini is uptimeBar drawn small, for a row of the relay table.
func uptimeMini(days []UptimeDay, now time.Time) template.HTML {
	return uptimeSVG(days, now, "uptime-mini", 180, 12)
}

func uptimeSVG(days []UptimeDay, now time.Time, class string, w, h float64) template.HTML {
	byDay := make(map[time.Time]UptimeDay, len(days))
	for _, d := range days {
		byDay[utcDay(d.Day)] = d
	}
	first := utcDay(now).AddDate(0, 0, -(uptimeDays - 1))
	width := uptimeDays*(upBarW+upBarGap) - upBarGap
	var checks, reach int
	for _, d := range days {
		if !d.Day.Before(first) {
			checks, reach = checks+d.Checks, reach+d.Reachable
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="%s" viewBox="0 0 %.0f %.0f" width="%.0f" height="%.0f" preserveAspectRatio="none" role="img" xmlns="http://www.w3.org/2000/svg">`,
		class, width, upBarH, w, h)
	if checks > 0 {
		fmt.Fprintf(&b, `<title>%s uptime over the last %d days (%d of %d checks)</title>`,
			pctString(reach, checks), uptimeDays, reach, checks)
	} else {
		fmt.Fprintf(&b, `<title>no checks in the last %d days</title>`, uptimeDays)
	}
	for i := range uptimeDays {
		day := first.AddDate(0, 0, i)
		d, ok := byDay[day]
		color, label := upNoData, "no checks"
		if ok && d.Checks > 0 {
			color = uptimeColor(float64(d.Reachable) / float64(d.Checks))
			label = fmt.Sprintf("%s (%d of %d checks)", pctString(d.Reachable, d.Checks), d.Reachable, d.Checks)
		}
		fmt.Fprintf(&b, `<rect class="day" x="%.0f" y="0" width="%.0f" height="%.0f" fill="%s"><title>%s: %s</title></rect>`,
			float64(i)*(upBarW+upBarGap), upBarW, upBarH, color, day.Format(time.DateOnly), label)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

func uptimeColor(share float64) string {
	switch {
	case share >= 0.999:
		return "#2ca02c"
	case share >= 0.99:
		return "#98df8a"
	case share >= 0.95:
		return "#ffd84d"
	case share >= 0.8:
		return "#ff9f40"
	}
	return "#d62728"
}

func pctString(n, of int) string {
	return fmt.Sprintf("%.1f%%", float64(n)*100/float64(of))
}
