package config

import (
	"encoding"
	"reflect"
	"strings"
	"sync"
)

// Keys returns the dotted name of every key the configuration file may
// hold, as the decoder knows them (the toml tags of Config), in the order
// of the types: tables are not listed, only the keys in them, and the
// keys of arrays of tables have no index ("staff.email",
// "policy.categories.code").
func Keys() []string {
	k := knownKeys()
	return append([]string(nil), k.leaves...)
}

type keySet struct {
	leaves   []string            // every key, dotted, without indices
	children map[string][]string // parent ("" for the top) -> names of its keys and tables
}

var knownKeys = sync.OnceValue(func() keySet {
	ks := keySet{children: map[string][]string{}}
	textUnmarshaler := reflect.TypeFor[encoding.TextUnmarshaler]()
	var walk func(t reflect.Type, prefix string)
	walk = func(t reflect.Type, prefix string) {
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			name, key, ok := tomlKey(f, prefix)
			if !ok {
				continue
			}
			ks.children[prefix] = append(ks.children[prefix], name)
			ft := f.Type
			for ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.Struct {
				ft = ft.Elem() // an array of tables
			}
			if ft.Kind() == reflect.Struct && !reflect.PointerTo(ft).Implements(textUnmarshaler) {
				walk(ft, key)
				continue
			}
			ks.leaves = append(ks.leaves, key)
		}
	}
	walk(reflect.TypeFor[Config](), "")
	return ks
})

// tomlKey names a struct field as the TOML decoder does: its toml tag, or
// its name in lower case; key is the dotted key under prefix. ok is false
// for a field the decoder does not fill (unexported, or tagged "-").
func tomlKey(f reflect.StructField, prefix string) (name, key string, ok bool) {
	if !f.IsExported() {
		return "", "", false
	}
	name, _, _ = strings.Cut(f.Tag.Get("toml"), ",")
	if name == "-" {
		return "", "", false
	}
	if name == "" {
		name = strings.ToLower(f.Name)
	}
	key = name
	if prefix != "" {
		key = prefix + "." + name
	}
	return name, key, true
}

// suggestKey returns the known key an unknown one was probably meant to be
// ("organisation.timzone" -> "organisation.timezone"): a key or table of
// the same table within a small edit distance, else a key of that name in
// another table ("imap.retry_after" -> "smtp.retry_after"); "" when there
// is no single such key. key is dotted and lower case, as in the errors;
// the indices of arrays of tables are kept.
func suggestKey(key string) string {
	ks := knownKeys()
	parent, name := "", key
	if i := strings.LastIndex(key, "."); i >= 0 {
		parent, name = key[:i], key[i+1:]
	}
	best, bestD, ties := "", 1<<30, 0
	for _, c := range ks.children[stripIndices(parent)] {
		d := editDistance(name, c)
		switch {
		case d < bestD:
			best, bestD, ties = c, d, 1
		case d == bestD:
			ties++
		}
	}
	limit := 1
	if len(name) > 4 {
		limit = 2
	}
	if best != "" && bestD <= limit && ties == 1 {
		if parent == "" {
			return best
		}
		return parent + "." + best
	}
	var found []string
	for _, k := range ks.leaves {
		if strings.HasSuffix(k, "."+name) && k != stripIndices(key) {
			found = append(found, k)
		}
	}
	if len(found) == 1 {
		return found[0]
	}
	return ""
}

// editDistance is the optimal string alignment distance of a and b: the
// insertions, deletions, substitutions and swaps of two neighbours that
// turn one into the other ("emial" is 1 from "email").
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}
