// Package regulation holds a complaint regulation as data and the rules
// that follow from it, without a store or mail: the presets
// (presets/*.toml: defence-for-children, ikworddeclarant, schakel, awb,
// klokkenluiders) and the [policy] overrides of them (LoadPolicy), the
// working-day calendar with Dutch public holidays and the Algemene
// termijnenwet (Calendar), every deadline of a complaint from its dates
// and the article that sets it (Policy.Deadlines), the decline grounds,
// categories and escalation chain, and how an article reference reads
// (FormatArticle).
//
// Everything here is a pure function of a policy, dates and text, and is
// table-tested as such. A new regulation is a new preset file; a new
// kind of deadline or rule starts here.
package regulation
