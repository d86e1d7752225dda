package schema

import (
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"unicode"
)

// structField is one JSON member of a struct type, found the way
// encoding/json finds them: exported fields, `json:"name,opts"` tags,
// "-" skipped, untagged embedded structs promoted.
type structField struct {
	name      string
	index     []int
	omitEmpty bool
	omitZero  bool
	quoted    bool // ",string" on a bool, integer, float or string field
}

var fieldCache sync.Map // reflect.Type -> []structField

func sanitizeStruct(v reflect.Value, depth int) (any, error) {
	out := map[string]any{}
	for _, f := range cachedFields(v.Type()) {
		fv, err := v.FieldByIndexErr(f.index)
		if err != nil {
			continue // behind a nil embedded pointer
		}
		if (f.omitEmpty && isEmptyValue(fv)) || (f.omitZero && isZeroValue(fv)) {
			continue
		}
		var x any
		if f.quoted && !fv.Type().Implements(marshalerType) && !fv.Type().Implements(textMarshalerType) {
			x, err = quotedField(fv)
		} else {
			x, err = sanitize(fv, depth+1)
		}
		if err != nil {
			return nil, err
		}
		if keep(x) {
			out[f.name] = x
		}
	}
	return out, nil
}

// quotedField is the ",string" option: the scalar's JSON text as a string.
func quotedField(v reflect.Value) (any, error) {
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return nil, nil
		}
		v = v.Elem()
	}
	switch v.Kind() {
	case reflect.Bool:
		return strconv.FormatBool(v.Bool()), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(v.Int(), 10), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return strconv.FormatUint(v.Uint(), 10), nil
	case reflect.Float32, reflect.Float64:
		bits := 64
		if v.Kind() == reflect.Float32 {
			bits = 32
		}
		s, ok := floatNumber(v.Float(), bits)
		if !ok {
			return nil, nil
		}
		return s, nil
	}
	b, err := json.Marshal(v.String()) // string kind: JSON-quoted inside the string
	if err != nil {
		return nil, err
	}
	return sanitizeString(string(b))
}

func isEmptyValue(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Interface, reflect.Pointer:
		return v.IsZero()
	}
	return false
}

// isZeroValue is the ",omitzero" test: an IsZero() bool method if the type
// has one, the language's zero value otherwise.
func isZeroValue(v reflect.Value) bool {
	if z, ok := v.Interface().(interface{ IsZero() bool }); ok {
		if v.Kind() == reflect.Pointer && v.IsNil() {
			return true
		}
		return z.IsZero()
	}
	return v.IsZero()
}

func cachedFields(t reflect.Type) []structField {
	if f, ok := fieldCache.Load(t); ok {
		return f.([]structField)
	}
	f, _ := fieldCache.LoadOrStore(t, typeFields(t))
	return f.([]structField)
}

// typeFields walks t and its untagged embedded structs breadth first. A
// name found at several depths goes to the shallowest; at equal depth to
// the only tagged one, and otherwise to nobody (encoding/json's rule).
func typeFields(t reflect.Type) []structField {
	type candidate struct {
		structField
		depth  int
		tagged bool
	}
	type level struct {
		t     reflect.Type
		index []int
	}
	var found []candidate
	visited := map[reflect.Type]bool{}
	current := []level{{t: t}}
	for depth := 0; len(current) > 0; depth++ {
		var next []level
		for _, l := range current {
			if visited[l.t] {
				continue
			}
			visited[l.t] = true
			for i := 0; i < l.t.NumField(); i++ {
				sf := l.t.Field(i)
				ft := sf.Type
				if ft.Kind() == reflect.Pointer {
					ft = ft.Elem()
				}
				if sf.Anonymous {
					if !sf.IsExported() && ft.Kind() != reflect.Struct {
						continue
					}
				} else if !sf.IsExported() {
					continue
				}
				tag := sf.Tag.Get("json")
				if tag == "-" {
					continue
				}
				name, opts, _ := strings.Cut(tag, ",")
				if !validTagName(name) {
					name = ""
				}
				index := append(append([]int(nil), l.index...), i)
				if name == "" && sf.Anonymous && ft.Kind() == reflect.Struct {
					next = append(next, level{t: ft, index: index})
					continue
				}
				c := candidate{depth: depth, tagged: name != ""}
				c.name, c.index = name, index
				if name == "" {
					c.name = sf.Name
				}
				c.omitEmpty = hasOpt(opts, "omitempty")
				c.omitZero = hasOpt(opts, "omitzero")
				c.quoted = hasOpt(opts, "string") && quotable(ft.Kind())
				found = append(found, c)
			}
		}
		current = next
	}

	byName := map[string][]candidate{}
	var order []string
	for _, c := range found {
		if byName[c.name] == nil {
			order = append(order, c.name)
		}
		byName[c.name] = append(byName[c.name], c)
	}
	var out []structField
	for _, name := range order {
		cs := byName[name]
		best := cs[0].depth // found is in depth order
		var winners []candidate
		for _, c := range cs {
			if c.depth == best {
				winners = append(winners, c)
			}
		}
		if len(winners) > 1 {
			var tagged []candidate
			for _, c := range winners {
				if c.tagged {
					tagged = append(tagged, c)
				}
			}
			winners = tagged
		}
		if len(winners) == 1 {
			out = append(out, winners[0].structField)
		}
	}
	return out
}

func quotable(k reflect.Kind) bool {
	switch k {
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.String:
		return true
	}
	return false
}

func hasOpt(opts, want string) bool {
	for opts != "" {
		var o string
		o, opts, _ = strings.Cut(opts, ",")
		if o == want {
			return true
		}
	}
	return false
}

// validTagName is encoding/json's rule for a usable tag name.
func validTagName(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if !strings.ContainsRune("!#$%&()*+-./:;<=>?@[]^_{|}~ ", c) && !unicode.IsLetter(c) && !unicode.IsDigit(c) {
			return false
		}
	}
	return true
}
