package certlogic

import (
	"errors"
	"time"
)

// DateTime is a CertLogic date-time: an instant with millisecond precision,
// as plusTime and dccDateOfBirth make them. The zero value is the Unix epoch.
type DateTime struct {
	ms int64 // milliseconds since 1970-01-01T00:00:00Z
}

// The range of a JavaScript Date: ±8.64e15 ms around the epoch.
const maxDateMillis = 8_640_000_000_000_000

// DateTimeOf returns the DateTime of t, truncated to the millisecond. It
// reports false when t is outside the range of a JavaScript Date.
func DateTimeOf(t time.Time) (DateTime, bool) {
	s := t.Unix()
	if s < -maxDateMillis/1000 || s > maxDateMillis/1000 {
		return DateTime{}, false
	}
	ms := t.UnixMilli()
	if ms < -maxDateMillis || ms > maxDateMillis {
		return DateTime{}, false
	}
	return DateTime{ms}, true
}

// Time returns d as a time.Time in UTC.
func (d DateTime) Time() time.Time { return time.UnixMilli(d.ms).UTC() }

// UnixMilli returns d as milliseconds since the Unix epoch.
func (d DateTime) UnixMilli() int64 { return d.ms }

// String formats d as YYYY-MM-DDThh:mm:ss.sssZ, as JavaScript's
// Date.toISOString does for years 0 to 9999.
func (d DateTime) String() string { return d.Time().Format("2006-01-02T15:04:05.000Z") }

// MarshalJSON encodes d as its String form.
func (d DateTime) MarshalJSON() ([]byte, error) {
	return []byte(`"` + d.String() + `"`), nil
}

var (
	errDateFormat = errors.New("not a date or date-time in an allowed format")
	errDateRange  = errors.New("date-time out of range")
)

// ParseDateTime parses a date or date-time string the way plusTime does
// with an amount of 0: one of the formats YYYY, YYYY-MM, YYYY-MM-DD,
// YYYY-MM-DDThh:mm:ss with an optional fraction (any number of digits, cut
// to milliseconds) and an optional offset (Z, [+-]h, [+-]hh, [+-]hmm,
// [+-]hhmm, [+-]h:mm, [+-]hh:mm). A missing offset means Z; a missing time
// means midnight; a partial date (YYYY, YYYY-MM) means its last day, as for
// dccDateOfBirth. Calendar dates and times must exist (no 2021-02-30, no
// 24:00:00).
func ParseDateTime(s string) (DateTime, error) {
	switch len(s) {
	case 4, 7:
		d, err := parseDOB(s)
		if err != nil {
			return DateTime{}, errDateFormat
		}
		return d, nil
	}
	if len(s) < 10 {
		return DateTime{}, errDateFormat
	}
	y, m, d, ok := parseDate(s[:10])
	if !ok {
		return DateTime{}, errDateFormat
	}
	var hh, mm, ss, ms, off int
	if len(s) > 10 {
		rest := s[10:]
		if len(rest) < 9 || rest[0] != 'T' || rest[3] != ':' || rest[6] != ':' {
			return DateTime{}, errDateFormat
		}
		var ok1, ok2, ok3 bool
		hh, ok1 = digits(rest[1:3])
		mm, ok2 = digits(rest[4:6])
		ss, ok3 = digits(rest[7:9])
		if !ok1 || !ok2 || !ok3 || hh > 23 || mm > 59 || ss > 59 {
			return DateTime{}, errDateFormat
		}
		rest = rest[9:]
		if len(rest) > 0 && rest[0] == '.' {
			i := 1
			for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
				if i <= 3 {
					ms = ms*10 + int(rest[i]-'0')
				}
				i++
			}
			if i == 1 {
				return DateTime{}, errDateFormat
			}
			for n := i; n <= 3; n++ { // ".5" is 500 ms
				ms *= 10
			}
			rest = rest[i:]
		}
		var ok4 bool
		off, ok4 = parseOffset(rest)
		if !ok4 {
			return DateTime{}, errDateFormat
		}
	}
	days := daysFromCivil(y, m, d)
	v := ((days*24+int64(hh))*60+int64(mm)-int64(off))*60 + int64(ss)
	return DateTime{v*1000 + int64(ms)}, nil
}

// parseOffset parses a time zone offset in minutes east of UTC; "" is Z.
func parseOffset(s string) (int, bool) {
	if s == "" || s == "Z" {
		return 0, true
	}
	sign := 1
	switch s[0] {
	case '+':
	case '-':
		sign = -1
	default:
		return 0, false
	}
	s = s[1:]
	var h, m int
	var ok1, ok2 bool
	switch {
	case len(s) == 1 || len(s) == 2: // h, hh
		h, ok1 = digits(s)
		ok2 = true
	case len(s) == 3 && s[1] != ':': // hmm
		h, ok1 = digits(s[:1])
		m, ok2 = digits(s[1:])
	case len(s) == 4 && s[1] == ':': // h:mm
		h, ok1 = digits(s[:1])
		m, ok2 = digits(s[2:])
	case len(s) == 4: // hhmm
		h, ok1 = digits(s[:2])
		m, ok2 = digits(s[2:])
	case len(s) == 5 && s[2] == ':': // hh:mm
		h, ok1 = digits(s[:2])
		m, ok2 = digits(s[3:])
	}
	if !ok1 || !ok2 || h > 23 || m > 59 {
		return 0, false
	}
	return sign * (h*60 + m), true
}

// digits parses a run of ASCII digits.
func digits(s string) (int, bool) {
	if s == "" {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// parseDate parses YYYY-MM-DD of an existing calendar date.
func parseDate(s string) (y, m, d int, ok bool) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return 0, 0, 0, false
	}
	var ok1, ok2, ok3 bool
	y, ok1 = digits(s[:4])
	m, ok2 = digits(s[5:7])
	d, ok3 = digits(s[8:])
	if !ok1 || !ok2 || !ok3 || m < 1 || m > 12 || d < 1 || d > daysIn(y, m) {
		return 0, 0, 0, false
	}
	return y, m, d, true
}

// parseDOB implements dccDateOfBirth: YYYY becomes YYYY-12-31, YYYY-MM the
// last day of that month, YYYY-MM-DD itself, all at midnight UTC.
func parseDOB(s string) (DateTime, error) {
	var y, m, d int
	switch len(s) {
	case 4:
		var ok bool
		if y, ok = digits(s); !ok {
			return DateTime{}, errDOBFormat
		}
		m, d = 12, 31
	case 7:
		var ok1, ok2 bool
		y, ok1 = digits(s[:4])
		m, ok2 = digits(s[5:])
		if s[4] != '-' || !ok1 || !ok2 || m < 1 || m > 12 {
			return DateTime{}, errDOBFormat
		}
		d = daysIn(y, m)
	case 10:
		var ok bool
		if y, m, d, ok = parseDate(s); !ok {
			return DateTime{}, errDOBFormat
		}
	default:
		return DateTime{}, errDOBFormat
	}
	return DateTime{daysFromCivil(y, m, d) * 86_400_000}, nil
}

var errDOBFormat = errors.New("not a date of birth of the form YYYY, YYYY-MM or YYYY-MM-DD")

func isLeap(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

func daysIn(y, m int) int {
	switch m {
	case 2:
		if isLeap(y) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// daysFromCivil returns the number of days from 1970-01-01 to the given
// proleptic Gregorian date (Howard Hinnant's algorithm).
func daysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era)*146097 + int64(doe) - 719468
}

// Time units of plusTime.
type timeUnit uint8

const (
	unitYear timeUnit = iota
	unitMonth
	unitDay
	unitHour
)

var timeUnits = map[string]timeUnit{"year": unitYear, "month": unitMonth, "day": unitDay, "hour": unitHour}

// Largest amounts per unit that can still land inside the Date range from
// inside it; larger ones are range errors without computing.
var maxAmount = [...]float64{
	unitYear:  600_000,
	unitMonth: 7_200_000,
	unitDay:   220_000_000,
	unitHour:  5_300_000_000,
}

// plusTime offsets d by amount units with the JavaScript UTC setter
// semantics: the field is set to its value plus amount and the date is
// normalised (2020-02-29 + 1 year = 2021-03-01).
func plusTime(d DateTime, amount float64, unit timeUnit) (DateTime, error) {
	if amount == 0 {
		return d, nil
	}
	if amount > maxAmount[unit] || amount < -maxAmount[unit] {
		return DateTime{}, errDateRange
	}
	n := int(amount)
	var r int64
	switch unit {
	case unitHour:
		r = d.ms + int64(n)*3_600_000
	case unitDay:
		r = d.ms + int64(n)*86_400_000
	default:
		t := d.Time()
		y, m, dd := t.Date()
		h, mi, s := t.Clock()
		if unit == unitYear {
			y += n
		} else {
			m += time.Month(n)
		}
		t = time.Date(y, m, dd, h, mi, s, t.Nanosecond(), time.UTC)
		dt, ok := DateTimeOf(t)
		if !ok {
			return DateTime{}, errDateRange
		}
		return dt, nil
	}
	if r < -maxDateMillis || r > maxDateMillis {
		return DateTime{}, errDateRange
	}
	return DateTime{r}, nil
}
