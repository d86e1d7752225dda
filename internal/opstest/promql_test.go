package opstest

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// nonMetrics are PromQL words that look like series names but are not:
// aggregation operators (they may be followed by by/without before their
// parenthesis), binary operators, modifiers and literals.
var nonMetrics = map[string]bool{
	"sum": true, "min": true, "max": true, "avg": true, "group": true, "stddev": true, "stdvar": true,
	"count": true, "count_values": true, "bottomk": true, "topk": true, "quantile": true,
	"limitk": true, "limit_ratio": true,
	"and": true, "or": true, "unless": true, "atan2": true, "bool": true, "offset": true,
	"inf": true, "nan": true,
}

// labelListWords are followed by a parenthesised list of label names.
var labelListWords = map[string]bool{
	"by": true, "without": true, "on": true, "ignoring": true, "group_left": true, "group_right": true,
}

// metricNames returns the series names a PromQL expression selects, in
// order of first use. It is a lexer, not a parser: it skips strings, label
// matchers {...}, ranges [...], comments, numbers, durations, Grafana
// variables ($x, ${x}), label lists after by/without/on/ignoring/group_*,
// and identifiers followed by "(" (functions). promtool checks the syntax;
// this only has to find every name.
func metricNames(expr string) ([]string, error) {
	var names []string
	s := expr
	i := 0
	for i < len(s) {
		c := s[i]
		switch {
		case c == '"' || c == '\'' || c == '`':
			end, err := skipString(s, i)
			if err != nil {
				return nil, err
			}
			i = end
		case c == '{' || c == '[':
			end, err := skipGroup(s, i)
			if err != nil {
				return nil, err
			}
			i = end
		case c == '}' || c == ']':
			return nil, fmt.Errorf("unbalanced %q at %d", c, i)
		case c == '#':
			for i < len(s) && s[i] != '\n' {
				i++
			}
		case c == '$':
			i++
			if i < len(s) && s[i] == '{' {
				end, err := skipGroup(s, i)
				if err != nil {
					return nil, err
				}
				i = end
			} else {
				for i < len(s) && isIdentChar(s[i]) {
					i++
				}
			}
		case isDigit(c) || c == '.':
			for i < len(s) && (isIdentChar(s[i]) || s[i] == '.') {
				i++
			}
		case isIdentStart(c):
			start := i
			for i < len(s) && isIdentChar(s[i]) {
				i++
			}
			word := s[start:i]
			next := skipSpace(s, i)
			switch {
			case labelListWords[strings.ToLower(word)]:
				if next < len(s) && s[next] == '(' {
					end, err := skipGroup(s, next)
					if err != nil {
						return nil, err
					}
					i = end
				}
			case nonMetrics[strings.ToLower(word)]:
			case next < len(s) && s[next] == '(':
				// a function call
			default:
				if !slices.Contains(names, word) {
					names = append(names, word)
				}
			}
		default:
			i++
		}
	}
	return names, nil
}

// skipString returns the index after the string literal starting at i.
func skipString(s string, i int) (int, error) {
	q := s[i]
	for j := i + 1; j < len(s); j++ {
		switch {
		case s[j] == '\\' && q != '`':
			j++
		case s[j] == q:
			return j + 1, nil
		}
	}
	return 0, fmt.Errorf("unterminated string at %d", i)
}

// skipGroup returns the index after the bracket opened at i and closed at
// the same depth, skipping strings inside.
func skipGroup(s string, i int) (int, error) {
	var stack []byte
	for j := i; j < len(s); j++ {
		switch c := s[j]; c {
		case '"', '\'', '`':
			end, err := skipString(s, j)
			if err != nil {
				return 0, err
			}
			j = end - 1
		case '(', '{', '[':
			stack = append(stack, map[byte]byte{'(': ')', '{': '}', '[': ']'}[c])
		case ')', '}', ']':
			if len(stack) == 0 || stack[len(stack)-1] != c {
				return 0, fmt.Errorf("unbalanced %q at %d", c, j)
			}
			stack = stack[:len(stack)-1]
			if len(stack) == 0 {
				return j + 1, nil
			}
		}
	}
	return 0, fmt.Errorf("unclosed %q at %d", s[i], i)
}

func skipSpace(s string, i int) int {
	for i < len(s) && strings.IndexByte(" \t\r\n", s[i]) >= 0 {
		i++
	}
	return i
}

func isDigit(c byte) bool      { return c >= '0' && c <= '9' }
func isIdentStart(c byte) bool { return c == '_' || c == ':' || c|0x20 >= 'a' && c|0x20 <= 'z' }
func isIdentChar(c byte) bool  { return isIdentStart(c) || isDigit(c) }

func TestMetricNames(t *testing.T) {
	for _, c := range []struct {
		expr string
		want []string
		err  bool
	}{
		{expr: `up == 0`, want: []string{"up"}},
		{expr: `sum by (loop, outcome) (rate(bigbrotr_a_total{loop=~"$loop", x="}"}[$__rate_interval]))`,
			want: []string{"bigbrotr_a_total"}},
		{expr: `histogram_quantile(0.99, sum without (instance) (rate(h_bucket[5m:1m] offset 1h)))`, want: []string{"h_bucket"}},
		{expr: "a / on (job, loop) group_left (x) b\n# c\n> 1e-3 unless d", want: []string{"a", "b", "d"}},
		{expr: `time() - (g{l="a b"} > 0) or vector(0)`, want: []string{"g"}},
		{expr: `topk(5, x) and Inf < nan`, want: []string{"x"}},
		{expr: `count(x) BY (l)`, want: []string{"x"}},
		{expr: `label_replace(a, "dst", "$1", 'src', "(.*)")`, want: []string{"a"}},
		{expr: `${var} * m:recorded:rate5m @ 1609746000`, want: []string{"m:recorded:rate5m"}},
		{expr: `a{`, err: true},
		{expr: `a[5m`, err: true},
		{expr: `a{l="x}`, err: true},
		{expr: `a]`, err: true},
		{expr: `sum by (l (a)`, err: true},
	} {
		got, err := metricNames(c.expr)
		if c.err {
			if err == nil {
				t.Errorf("metricNames(%q) = %v, want an error", c.expr, got)
			}
			continue
		}
		if err != nil || !slices.Equal(got, c.want) {
			t.Errorf("metricNames(%q) = %v, %v; want %v", c.expr, got, err, c.want)
		}
	}
}

func FuzzMetricNames(f *testing.F) {
	for _, s := range []string{`up == 0`, `sum by (a) (rate(x{l="v"}[5m]))`, `a{`, `"`, `$`, `${`, "a # b\nc", `x[1m:]`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, expr string) {
		names, err := metricNames(expr)
		if err != nil {
			return
		}
		for _, n := range names {
			if n == "" || !isIdentStart(n[0]) || !strings.Contains(expr, n) {
				t.Fatalf("metricNames(%q) returned %q", expr, n)
			}
			for i := range len(n) {
				if !isIdentChar(n[i]) {
					t.Fatalf("metricNames(%q) returned %q", expr, n)
				}
			}
		}
	})
}
