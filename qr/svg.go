package qr

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"image"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
)

// This file rasterises the SVG drawings that QR code generators write:
// rectangles, paths (lines, curves flattened, arcs as chords), polygons,
// polylines, lines, circles and ellipses, filled (nonzero or even-odd)
// and stroked (butt caps), in solid colours, under nested groups and
// transforms. Gradients, patterns, text, <use>, clipping, masks and CSS
// style sheets are not supported: a fill or stroke that refers to a paint
// server is drawn black, the usual colour of a code's dark modules. The
// drawing is rendered in grey at svgSide pixels on its longer side,
// sampling each pixel at its centre, which keeps module edges sharp.

// svgSide is the longer side, in pixels, of a rasterised SVG drawing.
const svgSide = 1200

// Limits on SVG input, so that hostile drawings cost bounded time.
const (
	maxSVGDepth    = 64
	maxSVGShapes   = 200_000
	maxSVGPoints   = 2_000_000
	maxSVGCrossing = 100_000_000 // edge-row crossings while filling
)

var errSVG = errors.New("unsupported or invalid SVG")

func svgErr(format string, args ...any) error {
	return fmt.Errorf("%w: %w: %s", ErrInvalidImage, errSVG, fmt.Sprintf(format, args...))
}

// affine is the transform x' = a x + c y + e, y' = b x + d y + f.
type affine [6]float64

var identity = affine{1, 0, 0, 1, 0, 0}

// then returns the transform that applies m and then n.
func (m affine) then(n affine) affine {
	return affine{
		n[0]*m[0] + n[2]*m[1], n[1]*m[0] + n[3]*m[1],
		n[0]*m[2] + n[2]*m[3], n[1]*m[2] + n[3]*m[3],
		n[0]*m[4] + n[2]*m[5] + n[4], n[1]*m[4] + n[3]*m[5] + n[5],
	}
}

func (m affine) apply(x, y float64) (float64, float64) {
	return m[0]*x + m[2]*y + m[4], m[1]*x + m[3]*y + m[5]
}

// svgStyle is the inherited painting state.
type svgStyle struct {
	fill, stroke         paint
	strokeWidth, opacity float64
	evenOdd              bool
	hidden               bool
	ctm                  affine // user space to device pixels
}

// paint is a solid grey level, or none.
type paint struct {
	none  bool
	gray  uint8
	alpha float64
}

// svgRaster is the drawing state.
type svgRaster struct {
	img     *image.Gray
	shapes  int
	points  int
	crosses int
}

// rasterSVG renders an SVG document to grey levels and returns the image
// and its scale in pixels per user unit.
func rasterSVG(data []byte, maxPixels int) (*image.Gray, float64, error) {
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.Strict = false
	dec.Entity = xml.HTMLEntity
	var r *svgRaster
	var unit float64
	var stack []svgStyle
	skip := 0 // depth inside elements that are not rendered
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, 0, svgErr("%v", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if skip > 0 {
				skip++
				continue
			}
			if len(stack) >= maxSVGDepth {
				return nil, 0, svgErr("elements nested more than %d deep", maxSVGDepth)
			}
			name := strings.ToLower(t.Name.Local)
			attrs := svgAttrs(t.Attr)
			if r == nil {
				if name != "svg" {
					return nil, 0, svgErr("root element is <%s>, not <svg>", t.Name.Local)
				}
				var st svgStyle
				r, st, unit, err = newSVGRaster(attrs, maxPixels)
				if err != nil {
					return nil, 0, err
				}
				stack = append(stack, st.inherit(attrs))
				continue
			}
			if len(stack) == 0 {
				// The root <svg> has closed: XML has one root element (the
				// decoder is not strict, so it would go on reading).
				return nil, 0, svgErr("element <%s> after the root <svg> element", t.Name.Local)
			}
			switch name {
			case "defs", "clippath", "mask", "symbol", "pattern", "marker", "style", "title", "desc",
				"metadata", "lineargradient", "radialgradient", "filter", "text", "foreignobject", "script":
				skip = 1
				continue
			}
			st := stack[len(stack)-1].inherit(attrs)
			stack = append(stack, st)
			if st.hidden {
				continue
			}
			if err := r.draw(name, attrs, st); err != nil {
				return nil, 0, err
			}
		case xml.EndElement:
			if skip > 0 {
				skip--
				continue
			}
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
		}
	}
	if r == nil {
		return nil, 0, svgErr("no <svg> element")
	}
	return r.img, unit, nil
}

// svgAttrs returns the attributes, with those of a style attribute
// overriding the presentation attributes of the same name.
func svgAttrs(list []xml.Attr) map[string]string {
	m := make(map[string]string, len(list))
	for _, a := range list {
		m[strings.ToLower(a.Name.Local)] = strings.TrimSpace(a.Value)
	}
	if style, ok := m["style"]; ok {
		for _, decl := range strings.Split(style, ";") {
			k, v, ok := strings.Cut(decl, ":")
			if ok {
				m[strings.ToLower(strings.TrimSpace(k))] = strings.TrimSpace(v)
			}
		}
	}
	return m
}

// newSVGRaster sizes the canvas from the root element's viewBox, or its
// width and height, and returns the root style.
func newSVGRaster(attrs map[string]string, maxPixels int) (*svgRaster, svgStyle, float64, error) {
	var minX, minY, w, h float64
	if vb, ok := attrs["viewbox"]; ok {
		nums, err := parseNumbers(vb)
		if err != nil || len(nums) != 4 {
			return nil, svgStyle{}, 0, svgErr("bad viewBox %q", vb)
		}
		minX, minY, w, h = nums[0], nums[1], nums[2], nums[3]
	} else {
		w, _ = parseLength(attrs["width"])
		h, _ = parseLength(attrs["height"])
	}
	if !(w > 0 && h > 0) || math.IsInf(w, 0) || math.IsInf(h, 0) || math.IsNaN(minX+minY) || math.IsInf(minX+minY, 0) {
		return nil, svgStyle{}, 0, svgErr("drawing has no size (give viewBox, or width and height)")
	}
	side := float64(svgSide)
	if limit := math.Sqrt(float64(maxPixels)); side > limit {
		side = limit
	}
	scale := side / max(w, h)
	pw, ph := max(1, int(math.Ceil(w*scale))), max(1, int(math.Ceil(h*scale)))
	img := newGray(pw, ph)
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	st := svgStyle{
		fill:        paint{alpha: 1}, // black
		stroke:      paint{none: true},
		strokeWidth: 1,
		opacity:     1,
		ctm:         affine{scale, 0, 0, scale, -minX * scale, -minY * scale},
	}
	return &svgRaster{img: img}, st, scale, nil
}

// inherit returns the style of an element with attrs inside parent.
func (parent svgStyle) inherit(attrs map[string]string) svgStyle {
	st := parent
	if v, ok := attrs["fill"]; ok {
		st.fill = parsePaint(v, parent.fill)
	}
	if v, ok := attrs["stroke"]; ok {
		st.stroke = parsePaint(v, parent.stroke)
	}
	if v, ok := attrs["fill-opacity"]; ok {
		st.fill.alpha *= parseOpacity(v)
	}
	if v, ok := attrs["stroke-opacity"]; ok {
		st.stroke.alpha *= parseOpacity(v)
	}
	if v, ok := attrs["opacity"]; ok {
		st.opacity *= parseOpacity(v)
	}
	if v, ok := attrs["stroke-width"]; ok {
		if w, err := parseLength(v); err == nil && w >= 0 {
			st.strokeWidth = w
		}
	}
	if v, ok := attrs["fill-rule"]; ok {
		st.evenOdd = v == "evenodd"
	}
	if attrs["display"] == "none" || attrs["visibility"] == "hidden" {
		st.hidden = true
	}
	if v, ok := attrs["transform"]; ok {
		if m, err := parseTransform(v); err == nil {
			st.ctm = m.then(parent.ctm)
		}
	}
	return st
}

func parseOpacity(v string) float64 {
	f, err := strconv.ParseFloat(strings.TrimSuffix(v, "%"), 64)
	if err != nil || math.IsNaN(f) {
		return 1
	}
	if strings.HasSuffix(v, "%") {
		f /= 100
	}
	return min(1, max(0, f))
}

var namedGrays = map[string]uint8{
	"black": 0, "white": 255, "red": 63, "green": 64, "lime": 127, "blue": 63,
	"gray": 128, "grey": 128, "silver": 192, "navy": 32, "yellow": 191,
	"darkgray": 169, "darkgrey": 169, "lightgray": 211, "lightgrey": 211,
}

// parsePaint parses a fill or stroke value; unknown values inherit.
func parsePaint(v string, inherited paint) paint {
	v = strings.ToLower(strings.TrimSpace(v))
	switch {
	case v == "none" || v == "transparent":
		return paint{none: true}
	case v == "inherit":
		return inherited
	case v == "currentcolor" || strings.HasPrefix(v, "url("):
		return paint{alpha: 1} // black
	case strings.HasPrefix(v, "#"):
		hex := v[1:]
		if len(hex) == 3 || len(hex) == 4 {
			hex = string([]byte{hex[0], hex[0], hex[1], hex[1], hex[2], hex[2]})
		}
		if len(hex) >= 6 {
			c, err := strconv.ParseUint(hex[:6], 16, 32)
			if err == nil {
				r, g, b := uint32(c>>16), uint32(c>>8&0xff), uint32(c&0xff)
				return paint{gray: uint8((r + 2*g + b) / 4), alpha: 1}
			}
		}
	case strings.HasPrefix(v, "rgb"):
		if i, j := strings.IndexByte(v, '('), strings.IndexByte(v, ')'); i > 0 && j > i {
			parts := strings.FieldsFunc(v[i+1:j], func(r rune) bool { return r == ',' || r == ' ' || r == '/' })
			if len(parts) >= 3 {
				var c [3]uint32
				for k := range c {
					f, err := strconv.ParseFloat(strings.TrimSuffix(parts[k], "%"), 64)
					if err != nil {
						return inherited
					}
					if strings.HasSuffix(parts[k], "%") {
						f *= 2.55
					}
					c[k] = uint32(min(255, max(0, f)))
				}
				return paint{gray: uint8((c[0] + 2*c[1] + c[2]) / 4), alpha: 1}
			}
		}
	default:
		if g, ok := namedGrays[v]; ok {
			return paint{gray: g, alpha: 1}
		}
		return paint{alpha: 1} // other colour names: dark
	}
	return inherited
}

// parseLength parses a number with an optional px unit.
func parseLength(v string) (float64, error) {
	v = strings.TrimSuffix(strings.TrimSpace(v), "px")
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, errSVG
	}
	return f, nil
}

// parseNumbers parses a list of numbers separated by white space or
// commas.
func parseNumbers(s string) ([]float64, error) {
	var out []float64
	p := pathScanner{s: s}
	for {
		p.skipSep()
		if p.i >= len(p.s) {
			return out, nil
		}
		f, ok := p.number()
		if !ok {
			return out, errSVG
		}
		out = append(out, f)
	}
}

// parseTransform parses a transform list.
func parseTransform(s string) (affine, error) {
	m := identity
	for {
		s = strings.TrimLeft(s, " \t\r\n,")
		if s == "" {
			return m, nil
		}
		open := strings.IndexByte(s, '(')
		end := strings.IndexByte(s, ')')
		if open < 0 || end < open {
			return m, errSVG
		}
		name := strings.ToLower(strings.TrimSpace(s[:open]))
		args, err := parseNumbers(s[open+1 : end])
		if err != nil {
			return m, err
		}
		s = s[end+1:]
		arg := func(i int, def float64) float64 {
			if i < len(args) {
				return args[i]
			}
			return def
		}
		var t affine
		switch name {
		case "matrix":
			if len(args) != 6 {
				return m, errSVG
			}
			copy(t[:], args)
		case "translate":
			t = affine{1, 0, 0, 1, arg(0, 0), arg(1, 0)}
		case "scale":
			sx := arg(0, 1)
			t = affine{sx, 0, 0, arg(1, sx), 0, 0}
		case "rotate":
			sin, cos := math.Sincos(arg(0, 0) * math.Pi / 180)
			cx, cy := arg(1, 0), arg(2, 0)
			t = affine{1, 0, 0, 1, -cx, -cy}.then(affine{cos, sin, -sin, cos, 0, 0}).then(affine{1, 0, 0, 1, cx, cy})
		case "skewx":
			t = affine{1, 0, math.Tan(arg(0, 0) * math.Pi / 180), 1, 0, 0}
		case "skewy":
			t = affine{1, math.Tan(arg(0, 0) * math.Pi / 180), 0, 1, 0, 0}
		default:
			return m, errSVG
		}
		// Transforms in a list apply right to left: the last one first.
		m = t.then(m)
	}
}

// draw renders one shape element.
func (r *svgRaster) draw(name string, a map[string]string, st svgStyle) error {
	num := func(key string) float64 {
		f, err := parseLength(a[key])
		if err != nil {
			return 0
		}
		return f
	}
	var subpaths [][][2]float64
	closed := true
	switch name {
	case "rect":
		x, y, w, h := num("x"), num("y"), num("width"), num("height")
		if !(w > 0 && h > 0) {
			return nil
		}
		subpaths = [][][2]float64{{{x, y}, {x + w, y}, {x + w, y + h}, {x, y + h}}}
	case "path":
		var err error
		subpaths, err = parsePath(a["d"], maxSVGPoints-r.points)
		if err != nil {
			return err
		}
		closed = false
	case "polygon", "polyline":
		nums, _ := parseNumbers(a["points"])
		if len(nums) > 2*(maxSVGPoints-r.points) {
			return svgErr("too many points")
		}
		var pts [][2]float64
		for i := 0; i+1 < len(nums); i += 2 {
			pts = append(pts, [2]float64{nums[i], nums[i+1]})
		}
		subpaths = [][][2]float64{pts}
		closed = name == "polygon"
	case "line":
		subpaths = [][][2]float64{{{num("x1"), num("y1")}, {num("x2"), num("y2")}}}
		closed = false
	case "circle", "ellipse":
		rx, ry := num("r"), num("r")
		if name == "ellipse" {
			rx, ry = num("rx"), num("ry")
		}
		if !(rx > 0 && ry > 0) {
			return nil
		}
		cx, cy := num("cx"), num("cy")
		pts := make([][2]float64, 32)
		for i := range pts {
			sin, cos := math.Sincos(float64(i) * 2 * math.Pi / 32)
			pts[i] = [2]float64{cx + rx*cos, cy + ry*sin}
		}
		subpaths = [][][2]float64{pts}
	default:
		return nil // groups, nested <svg>, unknown elements
	}
	if r.shapes++; r.shapes > maxSVGShapes {
		return svgErr("more than %d shapes", maxSVGShapes)
	}
	for _, sp := range subpaths {
		r.points += len(sp)
	}
	if r.points > maxSVGPoints {
		return svgErr("more than %d points", maxSVGPoints)
	}

	if !st.fill.none {
		var edges []svgEdge
		for _, sp := range subpaths {
			edges = appendPolygon(edges, sp, st.ctm)
		}
		if err := r.fill(edges, st.evenOdd, st.fill, st.opacity); err != nil {
			return err
		}
	}
	if !st.stroke.none && st.strokeWidth > 0 {
		var edges []svgEdge
		hw := st.strokeWidth / 2
		for _, sp := range subpaths {
			n := len(sp)
			segs := n - 1
			if closed || (n > 2 && sp[0] == sp[n-1]) {
				segs = n
			}
			for i := 0; i < segs; i++ {
				p, q := sp[i], sp[(i+1)%n]
				dx, dy := q[0]-p[0], q[1]-p[1]
				l := math.Hypot(dx, dy)
				if l == 0 {
					continue
				}
				nx, ny := -dy/l*hw, dx/l*hw
				edges = appendPolygon(edges, [][2]float64{
					{p[0] + nx, p[1] + ny}, {q[0] + nx, q[1] + ny}, {q[0] - nx, q[1] - ny}, {p[0] - nx, p[1] - ny},
				}, st.ctm)
			}
		}
		// Overlapping segment quads must not cancel out: nonzero rule.
		if err := r.fill(edges, false, st.stroke, st.opacity); err != nil {
			return err
		}
	}
	return nil
}

// svgEdge is a polygon edge in device space with y0 < y1; dir is +1 for
// an edge drawn downwards and -1 for one drawn upwards.
type svgEdge struct {
	x0, y0, x1, y1 float64
	dir            int
}

// appendPolygon transforms the closed polygon pts by m and appends its
// non-horizontal edges.
func appendPolygon(edges []svgEdge, pts [][2]float64, m affine) []svgEdge {
	if len(pts) < 3 {
		return edges
	}
	px, py := m.apply(pts[len(pts)-1][0], pts[len(pts)-1][1])
	for _, p := range pts {
		x, y := m.apply(p[0], p[1])
		switch {
		case y > py:
			edges = append(edges, svgEdge{px, py, x, y, 1})
		case y < py:
			edges = append(edges, svgEdge{x, y, px, py, -1})
		}
		px, py = x, y
	}
	return edges
}

// fill paints the inside of the edges, sampling pixel centres.
func (r *svgRaster) fill(edges []svgEdge, evenOdd bool, p paint, opacity float64) error {
	alpha := p.alpha * opacity
	if len(edges) == 0 || alpha <= 0 {
		return nil
	}
	w, h := r.img.Rect.Dx(), r.img.Rect.Dy()
	// Bucket the edges by the first pixel row whose centre they cross.
	type span struct{ first, last int }
	spans := make([]span, len(edges))
	start := make([][]int32, h)
	for i, e := range edges {
		if math.IsNaN(e.x0+e.x1+e.y0+e.y1) || math.IsInf(e.x0+e.x1+e.y0+e.y1, 0) {
			continue
		}
		first := int(math.Ceil(e.y0 - 0.5))
		last := int(math.Ceil(e.y1-0.5)) - 1
		first, last = max(first, 0), min(last, h-1)
		if first > last {
			continue
		}
		spans[i] = span{first, last}
		start[first] = append(start[first], int32(i))
		r.crosses += last - first + 1
	}
	if r.crosses > maxSVGCrossing {
		return svgErr("drawing too complex")
	}
	type cross struct {
		x   float64
		dir int
	}
	var active []int32
	var xs []cross
	for y := 0; y < h; y++ {
		active = append(active, start[y]...)
		if len(active) == 0 {
			continue
		}
		yc := float64(y) + 0.5
		xs = xs[:0]
		keep := active[:0]
		for _, i := range active {
			if spans[i].last < y {
				continue
			}
			keep = append(keep, i)
			e := &edges[i]
			x := e.x0 + (yc-e.y0)*(e.x1-e.x0)/(e.y1-e.y0)
			xs = append(xs, cross{x, e.dir})
		}
		active = keep
		slices.SortFunc(xs, func(a, b cross) int {
			switch {
			case a.x < b.x:
				return -1
			case a.x > b.x:
				return 1
			}
			return 0
		})
		row := r.img.Pix[y*w : (y+1)*w]
		wind := 0
		for j := 0; j+1 < len(xs); j++ {
			wind += xs[j].dir
			inside := wind != 0
			if evenOdd {
				inside = wind&1 != 0
			}
			if !inside {
				continue
			}
			x0 := max(0, int(math.Ceil(xs[j].x-0.5)))
			x1 := min(w, int(math.Ceil(xs[j+1].x-0.5)))
			for x := x0; x < x1; x++ {
				if alpha >= 1 {
					row[x] = p.gray
				} else {
					row[x] = uint8(float64(row[x])*(1-alpha) + float64(p.gray)*alpha + 0.5)
				}
			}
		}
	}
	return nil
}

// pathScanner reads numbers and commands from SVG path data.
type pathScanner struct {
	s string
	i int
}

func (p *pathScanner) skipSep() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\r', '\n', ',':
			p.i++
		default:
			return
		}
	}
}

// number reads one number: sign, digits, one decimal point, exponent. A
// second decimal point starts the next number, as in "0.5.5".
func (p *pathScanner) number() (float64, bool) {
	p.skipSep()
	j := p.i
	if j < len(p.s) && (p.s[j] == '+' || p.s[j] == '-') {
		j++
	}
	digits, dot := false, false
	for j < len(p.s) {
		c := p.s[j]
		switch {
		case c >= '0' && c <= '9':
			digits = true
		case c == '.' && !dot:
			dot = true
		default:
			goto exp
		}
		j++
	}
exp:
	if !digits {
		return 0, false
	}
	if j < len(p.s) && (p.s[j] == 'e' || p.s[j] == 'E') {
		k := j + 1
		if k < len(p.s) && (p.s[k] == '+' || p.s[k] == '-') {
			k++
		}
		if k < len(p.s) && p.s[k] >= '0' && p.s[k] <= '9' {
			for k < len(p.s) && p.s[k] >= '0' && p.s[k] <= '9' {
				k++
			}
			j = k
		}
	}
	f, err := strconv.ParseFloat(p.s[p.i:j], 64)
	if err != nil || math.IsInf(f, 0) {
		return 0, false
	}
	p.i = j
	return f, true
}

// flag reads an arc flag, a single 0 or 1 that needs no separator.
func (p *pathScanner) flag() (bool, bool) {
	p.skipSep()
	if p.i < len(p.s) && (p.s[p.i] == '0' || p.s[p.i] == '1') {
		p.i++
		return p.s[p.i-1] == '1', true
	}
	return false, false
}

// parsePath parses path data into subpaths of points, flattening Bézier
// curves into 8 segments each and drawing arcs as straight chords. It
// stops at the first error, as SVG renderers do, keeping what came
// before. More than limit points is an error.
func parsePath(d string, limit int) ([][][2]float64, error) {
	p := pathScanner{s: d}
	var subpaths [][][2]float64
	var cur [][2]float64
	var x, y, sx, sy float64 // current point, subpath start
	var cx, cy float64       // last control point, for S and T
	var prevCmd byte         // previous command letter, for S and T
	n := 0
	add := func(px, py float64) {
		cur = append(cur, [2]float64{px, py})
		n++
	}
	flush := func() {
		if len(cur) > 0 {
			subpaths = append(subpaths, cur)
			cur = nil
		}
	}
	var cmd byte
	for {
		if n > limit {
			return nil, svgErr("path with more than %d points", limit)
		}
		p.skipSep()
		if p.i >= len(p.s) {
			break
		}
		c := p.s[p.i]
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' {
			cmd = c
			p.i++
		} else if cmd == 0 {
			break
		}
		rel := cmd >= 'a'
		ox, oy := 0.0, 0.0
		if rel {
			ox, oy = x, y
		}
		nums := func(k int) ([]float64, bool) {
			out := make([]float64, k)
			for i := range out {
				f, ok := p.number()
				if !ok {
					return nil, false
				}
				out[i] = f
			}
			return out, true
		}
		ok := true
		switch cmd | 0x20 { // lower case
		case 'm':
			var v []float64
			if v, ok = nums(2); ok {
				flush()
				x, y = ox+v[0], oy+v[1]
				sx, sy = x, y
				add(x, y)
				// Further pairs are implicit line-tos.
				if rel {
					cmd = 'l'
				} else {
					cmd = 'L'
				}
			}
		case 'l':
			var v []float64
			if v, ok = nums(2); ok {
				x, y = ox+v[0], oy+v[1]
				add(x, y)
			}
		case 'h':
			var v []float64
			if v, ok = nums(1); ok {
				x = ox + v[0]
				add(x, y)
			}
		case 'v':
			var v []float64
			if v, ok = nums(1); ok {
				y = oy + v[0]
				add(x, y)
			}
		case 'z':
			if len(cur) > 0 {
				add(sx, sy)
				flush()
			}
			x, y = sx, sy
			cmd = 0 // numbers after z are an error
		case 'c', 's', 'q', 't':
			var v []float64
			var x1, y1, x2, y2, ex, ey float64
			switch cmd | 0x20 {
			case 'c':
				if v, ok = nums(6); ok {
					x1, y1, x2, y2, ex, ey = ox+v[0], oy+v[1], ox+v[2], oy+v[3], ox+v[4], oy+v[5]
				}
			case 's':
				if v, ok = nums(4); ok {
					x1, y1 = x, y
					if p := prevCmd | 0x20; p == 'c' || p == 's' {
						x1, y1 = 2*x-cx, 2*y-cy
					}
					x2, y2, ex, ey = ox+v[0], oy+v[1], ox+v[2], oy+v[3]
				}
			case 'q':
				if v, ok = nums(4); ok {
					x1, y1, ex, ey = ox+v[0], oy+v[1], ox+v[2], oy+v[3]
					x2, y2 = x1, y1
				}
			case 't':
				if v, ok = nums(2); ok {
					x1, y1 = x, y
					if p := prevCmd | 0x20; p == 'q' || p == 't' {
						x1, y1 = 2*x-cx, 2*y-cy
					}
					ex, ey = ox+v[0], oy+v[1]
					x2, y2 = x1, y1
				}
			}
			if ok {
				quad := cmd|0x20 == 'q' || cmd|0x20 == 't'
				for i := 1; i <= 8; i++ {
					t := float64(i) / 8
					u := 1 - t
					var px, py float64
					if quad {
						px = u*u*x + 2*u*t*x1 + t*t*ex
						py = u*u*y + 2*u*t*y1 + t*t*ey
					} else {
						px = u*u*u*x + 3*u*u*t*x1 + 3*u*t*t*x2 + t*t*t*ex
						py = u*u*u*y + 3*u*u*t*y1 + 3*u*t*t*y2 + t*t*t*ey
					}
					add(px, py)
				}
				cx, cy = x2, y2
				x, y = ex, ey
			}
		case 'a':
			// rx ry rotation large-arc sweep x y: drawn as the chord.
			if _, ok = nums(3); ok {
				if _, ok = p.flag(); ok {
					if _, ok = p.flag(); ok {
						var v []float64
						if v, ok = nums(2); ok {
							x, y = ox+v[0], oy+v[1]
							add(x, y)
						}
					}
				}
			}
		default:
			ok = false
		}
		prevCmd = cmd
		if !ok {
			break
		}
	}
	flush()
	return subpaths, nil
}
