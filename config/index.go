package config

import (
	"strconv"
	"strings"

	"github.com/pelletier/go-toml/v2/unstable"
)

// keyIndex records where each key of the document is, built with go-toml's
// unstable parser. Keys are lower-case dotted paths; elements of arrays of
// tables are addressed as "staff[0]", "staff[0].email".
type keyIndex struct {
	keys      map[string]keyPos
	byLine    map[int][]string // keys defined on each line, in order
	syntaxErr bool             // the document did not parse to the end
}

type keyPos struct {
	line, col int
	kind      unstable.Kind // kind of the value; Table/ArrayTable for headers
}

// buildIndex indexes data as far as it parses; a syntax error is left to the
// decoder to report.
func buildIndex(data []byte) *keyIndex {
	idx := &keyIndex{keys: map[string]keyPos{}, byLine: map[int][]string{}}
	var p unstable.Parser
	p.Reset(data)
	arrays := map[string]int{} // array-of-tables path -> elements so far
	prefix := ""

	// resolve turns key parts into an index path, descending into the
	// current (last) element of arrays of tables.
	resolve := func(parts []string) string {
		cur := ""
		for _, part := range parts {
			if cur != "" {
				cur += "."
			}
			cur += part
			if n, ok := arrays[cur]; ok && n > 0 {
				cur += "[" + strconv.Itoa(n-1) + "]"
			}
		}
		return cur
	}

	for p.NextExpression() {
		e := p.Expression()
		switch e.Kind {
		case unstable.Table, unstable.ArrayTable:
			parts, first := keyParts(e)
			if len(parts) == 0 {
				continue
			}
			pos := position(&p, first)
			if e.Kind == unstable.Table {
				prefix = resolve(parts)
				idx.add(prefix, pos, unstable.Table)
				continue
			}
			base := resolve(parts[:len(parts)-1])
			if base != "" {
				base += "."
			}
			base += parts[len(parts)-1]
			n := arrays[base]
			arrays[base] = n + 1
			prefix = base + "[" + strconv.Itoa(n) + "]"
			idx.add(base, pos, unstable.ArrayTable)
			idx.add(prefix, pos, unstable.ArrayTable)
		case unstable.KeyValue:
			idx.addKeyValue(&p, prefix, e)
		}
	}
	idx.syntaxErr = p.Error() != nil
	return idx
}

// keyParts returns the lower-cased parts of a node's key and its first part.
func keyParts(n *unstable.Node) ([]string, *unstable.Node) {
	var parts []string
	var first *unstable.Node
	it := n.Key()
	for it.Next() {
		k := it.Node()
		if first == nil {
			first = k
		}
		parts = append(parts, strings.ToLower(string(k.Data)))
	}
	return parts, first
}

func position(p *unstable.Parser, n *unstable.Node) keyPos {
	if n == nil || n.Raw.Length == 0 {
		return keyPos{}
	}
	s := p.Shape(n.Raw)
	return keyPos{line: s.Start.Line, col: s.Start.Column}
}

// addKeyValue indexes a key-value under prefix, with its intermediate
// dotted-key tables and, for inline tables and arrays, its contents.
func (idx *keyIndex) addKeyValue(p *unstable.Parser, prefix string, e *unstable.Node) {
	parts, first := keyParts(e)
	pos := position(p, first)
	key := prefix
	for i, part := range parts {
		if key != "" {
			key += "."
		}
		key += part
		if i < len(parts)-1 {
			idx.addIfAbsent(key, pos, unstable.Table)
		}
	}
	idx.addValue(p, key, pos, e.Value())
}

func (idx *keyIndex) addValue(p *unstable.Parser, key string, pos keyPos, v *unstable.Node) {
	if v == nil {
		return
	}
	idx.add(key, pos, v.Kind)
	switch v.Kind {
	case unstable.InlineTable:
		it := v.Children()
		for it.Next() {
			if kv := it.Node(); kv.Kind == unstable.KeyValue {
				idx.addKeyValue(p, key, kv)
			}
		}
	case unstable.Array:
		it := v.Children()
		i := 0
		for it.Next() {
			el := it.Node()
			epos := pos
			if el.Kind != unstable.InlineTable && el.Kind != unstable.Array && el.Raw.Length > 0 {
				epos = position(p, el)
			} else if c := el.Child(); el.Kind == unstable.InlineTable && c != nil && c.Kind == unstable.KeyValue {
				_, f := keyParts(c)
				if fp := position(p, f); fp.line > 0 {
					epos = fp
				}
			}
			idx.addValue(p, key+"["+strconv.Itoa(i)+"]", epos, el)
			i++
		}
	}
}

func (idx *keyIndex) add(key string, pos keyPos, kind unstable.Kind) {
	pos.kind = kind
	idx.keys[key] = pos
	if pos.line > 0 {
		idx.byLine[pos.line] = append(idx.byLine[pos.line], key)
	}
}

func (idx *keyIndex) addIfAbsent(key string, pos keyPos, kind unstable.Kind) {
	if _, ok := idx.keys[key]; !ok {
		idx.add(key, pos, kind)
	}
}

func (idx *keyIndex) has(key string) bool {
	if idx == nil {
		return false
	}
	_, ok := idx.keys[key]
	return ok
}

// stripIndices turns "staff[1].email" into "staff.email".
func stripIndices(key string) string {
	var b strings.Builder
	depth := 0
	for _, r := range key {
		switch {
		case r == '[':
			depth++
		case r == ']':
			depth--
		case depth == 0:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// keyAt names the key that starts at line:col (as reported for unknown
// keys), falling back to the decoder's key parts.
func (idx *keyIndex) keyAt(line, col int, parts []string) string {
	want := strings.ToLower(strings.Join(parts, "."))
	if idx != nil {
		for _, k := range idx.byLine[line] {
			if p := idx.keys[k]; p.col == col && (want == "" || stripIndices(k) == want) {
				return k
			}
		}
	}
	return want
}

// keyOnLine names the key on line that matches the decoder's key parts.
func (idx *keyIndex) keyOnLine(line int, parts []string) string {
	want := strings.ToLower(strings.Join(parts, "."))
	if idx != nil {
		for _, k := range idx.byLine[line] {
			if stripIndices(k) == want {
				return k
			}
		}
	}
	return want
}

// valueLines returns the lines a key's value spans: from the key's line
// up to the line before the next key or table that is not part of it (to
// is 0 when that is the end of the document). key may name an element of
// an array value ("staff[0].roles[1]"): the whole value is meant. from is
// 0 when the key is not in the document.
func (idx *keyIndex) valueLines(key string) (from, to int) {
	if idx == nil {
		return 0, 0
	}
	key = strings.ToLower(key)
	for strings.HasSuffix(key, "]") {
		i := strings.LastIndex(key, "[")
		if i < 0 {
			break
		}
		if _, ok := idx.keys[key[:i]]; !ok {
			break // an element of an array of tables: it is the key
		}
		key = key[:i]
	}
	p, ok := idx.keys[key]
	if !ok || p.line == 0 {
		return 0, 0
	}
	for line, keys := range idx.byLine {
		if line <= p.line || to != 0 && line > to {
			continue
		}
		for _, k := range keys {
			if k != key && !strings.HasPrefix(k, key+".") && !strings.HasPrefix(k, key+"[") {
				to = line
				break
			}
		}
	}
	if to != 0 {
		to--
	}
	return p.line, to
}

// blankLines replaces lines from to to (1-based, inclusive; to 0 is the
// end) of doc with spaces, keeping the line breaks, so that the lines of
// every other key stay where they were.
func blankLines(doc []byte, from, to int) {
	line := 1
	for i, b := range doc {
		if b == '\n' {
			line++
			continue
		}
		if line >= from && (to == 0 || line <= to) {
			doc[i] = ' '
		}
	}
}
