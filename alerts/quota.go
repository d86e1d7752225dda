package alerts

import "time"

// quota is what one recipient got today: the DMs sent on Day (UTC,
// "2006-01-02").
type quota struct {
	Day  string `json:"day"`
	Sent int    `json:"sent"`
}

// take spends one DM of max on now's day: a new day starts from zero. It
// returns the new quota and whether the DM may go.
func (q quota) take(now time.Time, max int) (quota, bool) {
	day := now.UTC().Format(time.DateOnly)
	if q.Day != day {
		q = quota{Day: day}
	}
	if q.Sent >= max {
		return q, false
	}
	q.Sent++
	return q, true
}

// window is a fixed one-minute window counter: replies node-wide.
type window struct {
	start time.Time
	n     int
}

func (w *window) allow(now time.Time, max int) bool {
	if now.Sub(w.start) >= time.Minute || now.Before(w.start) {
		w.start, w.n = now, 0
	}
	if w.n >= max {
		return false
	}
	w.n++
	return true
}
