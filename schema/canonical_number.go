package schema

import (
	"errors"
	"math"
	"strconv"
	"strings"
)

// maxExponent bounds the decimal exponent of a number literal. Anything
// beyond is not data but an attempt to make the renderer print a billion
// zeros or overflow; such literals are refused.
const maxExponent = 1_000_000

// canonicalNumber renders a JSON number literal (RFC 8259 grammar) in the
// canonical spelling described in canonical.go: the exact decimal value,
// never rounded through a float, written the way ECMAScript's
// Number.prototype.toString (and so RFC 8785) writes a double, only with
// as many significant digits as the value has.
func canonicalNumber(lit string) (string, error) {
	neg, digits, exp, err := splitNumber(lit)
	if err != nil {
		return "", err
	}
	digits = strings.TrimLeft(digits, "0")
	if digits == "" {
		return "0", nil // also -0, 0.000, 0e99
	}
	trimmed := strings.TrimRight(digits, "0")
	exp += len(digits) - len(trimmed)
	digits = trimmed

	k := len(digits)
	n := k + exp // value = 0.digits × 10^n
	if n > maxExponent || n < -maxExponent {
		return "", errors.New("number exponent out of range: " + quoteInput(lit))
	}
	var b strings.Builder
	b.Grow(k + 8)
	if neg {
		b.WriteByte('-')
	}
	switch {
	case k <= n && n <= 21: // integer: digits, then zeros
		b.WriteString(digits)
		b.WriteString(strings.Repeat("0", n-k))
	case 0 < n && n <= 21: // point inside the digits
		b.WriteString(digits[:n])
		b.WriteByte('.')
		b.WriteString(digits[n:])
	case -6 < n && n <= 0: // small fraction: 0.000ddd
		b.WriteString("0.")
		b.WriteString(strings.Repeat("0", -n))
		b.WriteString(digits)
	default: // d[.ddd]e±x
		b.WriteByte(digits[0])
		if k > 1 {
			b.WriteByte('.')
			b.WriteString(digits[1:])
		}
		b.WriteByte('e')
		if n-1 >= 0 {
			b.WriteByte('+')
		}
		b.WriteString(strconv.Itoa(n - 1))
	}
	return b.String(), nil
}

// splitNumber parses lit as -?int(.frac)?([eE][+-]?exp)? and returns the
// sign, int+frac digits and the exponent that applies to them.
func splitNumber(lit string) (neg bool, digits string, exp int, err error) {
	bad := errors.New("invalid JSON number " + quoteInput(lit))
	s := lit
	if strings.HasPrefix(s, "-") {
		neg, s = true, s[1:]
	}
	i := 0
	for i < len(s) && isASCIIDigit(s[i]) {
		i++
	}
	intPart := s[:i]
	if intPart == "" || (len(intPart) > 1 && intPart[0] == '0') {
		return false, "", 0, bad
	}
	s = s[i:]
	frac := ""
	if strings.HasPrefix(s, ".") {
		j := 1
		for j < len(s) && isASCIIDigit(s[j]) {
			j++
		}
		if j == 1 {
			return false, "", 0, bad
		}
		frac, s = s[1:j], s[j:]
	}
	if s != "" {
		if s[0] != 'e' && s[0] != 'E' {
			return false, "", 0, bad
		}
		e, negExp := s[1:], false
		if e != "" && (e[0] == '+' || e[0] == '-') {
			e, negExp = e[1:], e[0] == '-'
		}
		if !isDecimal(e) {
			return false, "", 0, bad
		}
		v, perr := strconv.ParseInt(e, 10, 64)
		if perr != nil || v > 2*maxExponent {
			return false, "", 0, errors.New("number exponent out of range: " + quoteInput(lit))
		}
		exp = int(v)
		if negExp {
			exp = -exp
		}
	}
	if len(intPart)+len(frac) > maxExponent {
		return false, "", 0, errors.New("number too long: " + quoteInput(lit))
	}
	return neg, intPart + frac, exp - len(frac), nil
}

// floatNumber renders a Go float; ok is false for NaN and ±Inf, which are
// dropped. bits is 32 or 64: a float32 is written with the shortest digits
// that identify it as a float32 (0.1, not 0.10000000149011612), as
// encoding/json does.
func floatNumber(f float64, bits int) (string, bool) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "", false
	}
	s, err := canonicalNumber(strconv.FormatFloat(f, 'e', -1, bits))
	if err != nil {
		return "", false // unreachable: FormatFloat always writes a valid literal
	}
	return s, true
}
