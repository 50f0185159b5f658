package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/klachtenbus/klachtenbus/cases"
)

// reportFormats are the formats of `report -format`.
var reportFormats = []string{"md", "csv", "json", "html"}

// report prints the anonymised annual register (SPEC section 1).
func (m *Main) report(ctx context.Context, args []string) error {
	fs, cfgFlag := m.flags("report")
	yearFlag := fs.String("year", "", "the year of the register (required)")
	format := fs.String("format", "md", "output format: "+strings.Join(reportFormats, ", "))
	if pos, err := parse(fs, args); err != nil {
		return err
	} else if len(pos) > 0 {
		return usagef("report takes no arguments, got %q (usage: klachtenbus report -year Y [-format md|csv|json|html])", pos)
	}
	if *yearFlag == "" {
		return usagef("report needs -year (usage: klachtenbus report -year Y [-format md|csv|json|html])")
	}
	year, err := strconv.Atoi(strings.TrimSpace(*yearFlag))
	if err != nil || year < 1 || year > 9999 {
		return usagef("report: -year %q is not a year", *yearFlag)
	}
	f := strings.ToLower(*format)
	known := false
	for _, k := range reportFormats {
		known = known || f == k
	}
	if !known {
		return usagef("report: unknown format %q (want one of %s)", *format, strings.Join(reportFormats, ", "))
	}
	c, st, err := m.openStore(ctx, *cfgFlag)
	if err != nil {
		return err
	}
	defer st.Close()
	reg, err := cases.BuildRegister(ctx, st, year, c.Location())
	if err != nil {
		return err
	}
	// The human forms name the organisation and the preset's categories.
	reg.Organisation = c.Organisation.Name
	if policy, err := loadPolicy(c); err == nil {
		reg.CategoryLabels = map[string]string{}
		for _, cat := range policy.Categories {
			reg.CategoryLabels[cat.Code] = cat.Label("nl")
		}
	}
	var out string
	switch f {
	case "json":
		b, err := json.MarshalIndent(reg, "", "  ")
		if err != nil {
			return err
		}
		out = string(b) + "\n"
	case "csv":
		out = reg.CSV()
	case "html":
		out = reg.HTML()
	default:
		out = reg.Markdown()
	}
	_, err = io.WriteString(m.Stdout, out)
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	return nil
}
