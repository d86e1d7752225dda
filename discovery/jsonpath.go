package discovery

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ErrPath is wrapped by every JSON path syntax error.
var ErrPath = errors.New("invalid json path")

// maxPathSteps keeps a hostile or mistyped expression from being costly.
const maxPathSteps = 32

// Path is a compiled JSON path expression selecting relay URL strings from an
// HTTP source's JSON document. The supported subset of JSONPath (RFC 9535,
// plus the JSONPath-Plus "~" for names) is:
//
//	$              the document root (optional at the start)
//	.name          an object member; name is letters, digits, '_' and '-'
//	['name']       an object member with any name ("..." also works;
//	               \\ and \' or \" escape inside)
//	[n]            an array element; negative n counts from the end
//	[*] or .*      every array element or object member value
//	~              at the very end: the names of the selected members
//	               instead of their values
//
// A leading name may omit its dot ("data.relays" is "$.data.relays").
// Examples: "$[*]" (an array of URLs), "$.data.relays[*].url",
// "$.*~" (an object keyed by URL). Selected values that are not strings are
// ignored; a path that selects nothing yields nothing.
type Path struct {
	steps []pathStep
	names bool // trailing ~
}

type pathStep struct {
	kind  stepKind
	name  string
	index int
}

type stepKind int

const (
	stepMember stepKind = iota
	stepIndex
	stepWild
)

// ParsePath compiles expr.
func ParsePath(expr string) (Path, error) {
	var p Path
	s := strings.TrimSpace(expr)
	if s == "" {
		return p, fmt.Errorf("%w: empty", ErrPath)
	}
	s = strings.TrimPrefix(s, "$")
	if s != "" && isNameByte(s[0]) {
		s = "." + s
	}
	for s != "" {
		if len(p.steps) == maxPathSteps {
			return Path{}, fmt.Errorf("%w: more than %d steps", ErrPath, maxPathSteps)
		}
		var (
			st  pathStep
			err error
		)
		switch s[0] {
		case '~':
			if len(s) != 1 || len(p.steps) == 0 {
				return Path{}, fmt.Errorf("%w: ~ must end a path with at least one step: %q", ErrPath, expr)
			}
			p.names = true
			s = ""
			continue
		case '.':
			st, s, err = parseDot(s[1:])
		case '[':
			st, s, err = parseBracket(s[1:])
		default:
			err = fmt.Errorf("unexpected %q", s[0])
		}
		if err != nil {
			return Path{}, fmt.Errorf("%w: %q: %v", ErrPath, expr, err)
		}
		p.steps = append(p.steps, st)
	}
	return p, nil
}

func isNameByte(c byte) bool {
	return c == '_' || c == '-' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func parseDot(s string) (pathStep, string, error) {
	if strings.HasPrefix(s, "*") {
		return pathStep{kind: stepWild}, s[1:], nil
	}
	i := 0
	for i < len(s) && isNameByte(s[i]) {
		i++
	}
	if i == 0 {
		return pathStep{}, "", errors.New("empty member name after '.'")
	}
	return pathStep{kind: stepMember, name: s[:i]}, s[i:], nil
}

func parseBracket(s string) (pathStep, string, error) {
	if strings.HasPrefix(s, "*]") {
		return pathStep{kind: stepWild}, s[2:], nil
	}
	if s != "" && (s[0] == '\'' || s[0] == '"') {
		quote := s[0]
		var b strings.Builder
		for i := 1; i < len(s); i++ {
			switch c := s[i]; {
			case c == '\\' && i+1 < len(s):
				i++
				b.WriteByte(s[i])
			case c == quote:
				if i+1 >= len(s) || s[i+1] != ']' {
					return pathStep{}, "", errors.New("missing ']' after quoted name")
				}
				return pathStep{kind: stepMember, name: b.String()}, s[i+2:], nil
			default:
				b.WriteByte(c)
			}
		}
		return pathStep{}, "", errors.New("unterminated quoted name")
	}
	end := strings.IndexByte(s, ']')
	if end < 0 {
		return pathStep{}, "", errors.New("missing ']'")
	}
	n, err := strconv.Atoi(s[:end])
	if err != nil || n > 1<<20 || n < -(1<<20) {
		return pathStep{}, "", fmt.Errorf("bad index %q", s[:end])
	}
	return pathStep{kind: stepIndex, index: n}, s[end+1:], nil
}

// String is the canonical spelling of p: "$", dotted names where the name
// allows it, bracketed quoted names otherwise.
func (p Path) String() string {
	var b strings.Builder
	b.WriteByte('$')
	for _, st := range p.steps {
		switch st.kind {
		case stepWild:
			b.WriteString("[*]")
		case stepIndex:
			b.WriteString("[" + strconv.Itoa(st.index) + "]")
		case stepMember:
			if plainName(st.name) {
				b.WriteString("." + st.name)
			} else {
				b.WriteString("['" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(st.name) + "']")
			}
		}
	}
	if p.names {
		b.WriteByte('~')
	}
	return b.String()
}

func plainName(s string) bool {
	if s == "" {
		return false
	}
	for i := range len(s) {
		if !isNameByte(s[i]) {
			return false
		}
	}
	return true
}

// MarshalText and UnmarshalText let a Path be a TOML or JSON string.
func (p Path) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// UnmarshalText compiles the expression.
func (p *Path) UnmarshalText(b []byte) error {
	q, err := ParsePath(string(b))
	if err != nil {
		return err
	}
	*p = q
	return nil
}

// IsZero reports whether p was never set.
func (p Path) IsZero() bool { return len(p.steps) == 0 && !p.names }

// node is one selected value and the name it was reached by ("" for array
// elements and the root).
type node struct {
	name  string
	named bool
	value any
}

// Select evaluates p over a decoded JSON document (as encoding/json decodes
// into any) and returns the selected strings, in document order for arrays.
func (p Path) Select(doc any) []string {
	nodes := []node{{value: doc}}
	for _, st := range p.steps {
		var next []node
		for _, n := range nodes {
			next = st.apply(n.value, next)
		}
		nodes = next
	}
	var out []string
	for _, n := range nodes {
		if p.names {
			if n.named {
				out = append(out, n.name)
			}
		} else if s, ok := n.value.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func (st pathStep) apply(v any, out []node) []node {
	switch st.kind {
	case stepMember:
		if m, ok := v.(map[string]any); ok {
			if x, ok := m[st.name]; ok {
				out = append(out, node{name: st.name, named: true, value: x})
			}
		}
	case stepIndex:
		if a, ok := v.([]any); ok {
			i := st.index
			if i < 0 {
				i += len(a)
			}
			if i >= 0 && i < len(a) {
				out = append(out, node{value: a[i]})
			}
		}
	case stepWild:
		switch x := v.(type) {
		case []any:
			for _, e := range x {
				out = append(out, node{value: e})
			}
		case map[string]any:
			// Map order is random; sort the names so results are stable.
			for _, k := range sortedKeys(x) {
				out = append(out, node{name: k, named: true, value: x[k]})
			}
		}
	}
	return out
}

// SelectJSON decodes data and evaluates p over it.
func (p Path) SelectJSON(data []byte) ([]string, error) {
	var doc any
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("decode json: %w", err)
	}
	return p.Select(doc), nil
}
