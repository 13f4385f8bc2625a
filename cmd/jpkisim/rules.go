package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/jpkisim/jpkisim/jpki"

	"github.com/spf13/cobra"

	"github.com/jpkisim/jpkisim/rules"
	"github.com/jpkisim/jpkisim/scenarios"
)

func newRulesCmd(stdout io.Writer) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "rules",
		Short: "Answer questions about the certificates' rules (validity, eligibility, renewal, events, fees, PIN reset)",
		Example: `  jpkisim rules list RETRY-06
  jpkisim rules validity --birth 1990-06-15 --issued 2026-04-01`,
		Long: `Answer questions about the rules of the two JPKI certificates, each answer with
the ID of the rule that gives it (docs/tags.md). Dates are YYYY-MM-DD, calendar
days in Japan. --json prints one JSON object (README, "Rules as JSON").`,
	}
	var asJSON bool
	cmd.PersistentFlags().BoolVar(&asJSON, "json", false, "print one JSON object")
	out := func(v any, text string) error {
		if asJSON {
			b, err := json.Marshal(v)
			if err != nil {
				return err
			}
			fmt.Fprintln(stdout, string(b))
			return nil
		}
		fmt.Fprint(stdout, text)
		return nil
	}
	date := func(name, v string, required bool) (rules.Date, error) {
		if v == "" {
			if required {
				return rules.Date{}, usageError{fmt.Errorf("--%s DATE is required", name)}
			}
			return rules.Date{}, nil
		}
		d, err := rules.ParseDate(v)
		if err != nil {
			return d, usageError{fmt.Errorf("--%s: %v", name, err)}
		}
		return d, nil
	}

	// validity
	var birth, issued, cardExpiry, residenceExpiry, residence, renewalOf string
	validity := &cobra.Command{
		Use:   "validity --birth DATE --issued DATE",
		Short: "When the certificates of one issuance expire (VALID-01, -02, -05, -06)",
		Example: `  jpkisim rules validity --birth 1990-06-15 --issued 2026-04-01
  jpkisim rules validity --birth 1990-06-15 --issued 2026-04-01 --residence other --residence-expiry 2028-01-31 --json`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			var in rules.ValidityInput
			var err error
			if in.Birth, err = date("birth", birth, true); err != nil {
				return err
			}
			if in.Issued, err = date("issued", issued, true); err != nil {
				return err
			}
			if in.CardExpiry, err = date("card-expiry", cardExpiry, false); err != nil {
				return err
			}
			if in.ResidenceExpiry, err = date("residence-expiry", residenceExpiry, false); err != nil {
				return err
			}
			if in.RenewalOf, err = date("renewal-of", renewalOf, false); err != nil {
				return err
			}
			if in.Residence, err = rules.ParseResidence(residence); err != nil {
				return usageError{err}
			}
			v, err := rules.ComputeValidity(in)
			if errors.Is(err, rules.ErrImpossible) {
				return usageError{err}
			}
			if err != nil {
				return err
			}
			return out(v, fmt.Sprintf("signing certificate expires %s 23:59:59 JST\nauth certificate expires    %s 23:59:59 JST\nrules: %s\n",
				v.SigningExpiry, v.AuthExpiry, strings.Join(v.Rules, " ")))
		},
	}
	f := validity.Flags()
	f.StringVar(&birth, "birth", "", "date of birth")
	f.StringVar(&issued, "issued", "", "date of issuance")
	f.StringVar(&cardExpiry, "card-expiry", "", "the card's own expiry, which caps the certificates")
	f.StringVar(&residence, "residence", "", "foreign resident's status: permanent, special-permanent or other")
	f.StringVar(&residenceExpiry, "residence-expiry", "", "end of the period of stay (with --residence other)")
	f.StringVar(&renewalOf, "renewal-of", "", "expiry of the certificate this issuance renews")

	// eligibility
	var eBirth, on string
	var ward bool
	eligibility := &cobra.Command{
		Use:   "eligibility --birth DATE --on DATE",
		Short: "Who may hold each certificate (AGE-01, AGE-03)",
		Example: `  jpkisim rules eligibility --birth 2011-12-01 --on 2026-11-30
  jpkisim rules eligibility --birth 1990-06-15 --on 2026-11-30 --adult-ward --json`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			b, err := date("birth", eBirth, true)
			if err != nil {
				return err
			}
			o, err := date("on", on, true)
			if err != nil {
				return err
			}
			if o.Before(b) {
				return usageError{fmt.Errorf("--on %s is before --birth %s", o, b)}
			}
			s, a := rules.Eligibility(b, o, ward)
			v := map[jpki.Kind]rules.Decision{jpki.Signing: s, jpki.Auth: a}
			yes := map[bool]string{true: "allowed", false: "not allowed"}
			return out(v, fmt.Sprintf("signing certificate: %s (%s: %s)\nauth certificate:    %s (%s: %s)\n",
				yes[s.Allowed], s.Rule, s.Reason, yes[a.Allowed], a.Rule, a.Reason))
		},
	}
	eligibility.Flags().StringVar(&eBirth, "birth", "", "date of birth")
	eligibility.Flags().StringVar(&on, "on", "", "date of the application")
	eligibility.Flags().BoolVar(&ward, "adult-ward", false, "the holder is an adult ward (成年被後見人)")

	// renewal
	var expiry, rOn, rCard string
	renewal := &cobra.Command{
		Use:     "renewal --expiry DATE --on DATE",
		Short:   "Whether renewal is open (RENEW-01, RENEW-04)",
		Example: `  jpkisim rules renewal --expiry 2030-06-15 --on 2030-03-14`,
		Args:    usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := date("expiry", expiry, true)
			if err != nil {
				return err
			}
			o, err := date("on", rOn, true)
			if err != nil {
				return err
			}
			c, err := date("card-expiry", rCard, false)
			if err != nil {
				return err
			}
			r := rules.RenewalWindow(e, o, c)
			state := map[bool]string{true: "open", false: "closed"}[r.Open]
			line := fmt.Sprintf("renewal %s on %s: %s (%s)", state, o, r.Reason, r.Rule)
			if !strings.Contains(r.Reason, "opens on") {
				line += fmt.Sprintf("; opens on %s", r.OpensOn)
			}
			return out(r, line+"\n")
		},
	}
	renewal.Flags().StringVar(&expiry, "expiry", "", "the certificate's expiry")
	renewal.Flags().StringVar(&rOn, "on", "", "the day of the question")
	renewal.Flags().StringVar(&rCard, "card-expiry", "", "the card's own expiry")

	// event
	event := &cobra.Command{
		Use:   "event EVENT",
		Short: "What an event does to each certificate (REVOKE-*, HOLD-*, ABROAD-*)",
		Example: `  jpkisim rules event address-change
  jpkisim rules event loss --json`,
		Long: "Events: " + eventList() + ".",
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, a, err := rules.Effects(rules.Event(args[0]))
			if err != nil {
				return usageError{fmt.Errorf("%v (events: %s)", err, eventList())}
			}
			show := func(e rules.Effect) string {
				if e.Unchanged() {
					return "unchanged (" + e.Rule + ")"
				}
				return fmt.Sprintf("%s, reason %s (%s)", e.Status, e.Reason, e.Rule)
			}
			return out(map[jpki.Kind]rules.Effect{jpki.Signing: s, jpki.Auth: a},
				fmt.Sprintf("signing certificate: %s\nauth certificate:    %s\n", show(s), show(a)))
		},
	}

	// fee
	fee := &cobra.Command{
		Use:     "fee OPERATION",
		Short:   "The fee of an operation in yen (FEE-01..04)",
		Example: `  jpkisim rules fee reissue-with-certs`,
		Long:    "Operations: first-issuance, renewal, reissue-card, reissue-with-certs, reissue-free, revocation-request.",
		Args:    usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			yen, rule, err := rules.Fee(rules.Operation(args[0]))
			if err != nil {
				return usageError{err}
			}
			return out(map[string]any{"yen": yen, "rule": rule}, fmt.Sprintf("%d yen (%s)\n", yen, rule))
		},
	}

	// unlock
	var knowsOther bool
	unlock := &cobra.Command{
		Use:   "unlock PIN",
		Short: "Where a forgotten or locked PIN can be reset (UNLOCK-01, -02, -04)",
		Example: `  jpkisim rules unlock signing --knows-other
  jpkisim rules unlock auth --json`,
		Long: "PINs: auth, signing, kenhojo, juki. --knows-other: the holder knows the other JPKI PIN.",
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := jpki.ParsePIN(args[0])
			if err != nil {
				return usageError{err}
			}
			paths := rules.UnlockPaths(p, knowsOther)
			var sb strings.Builder
			for _, path := range paths {
				fmt.Fprintf(&sb, "%s: %s (%s)\n", path.Where, path.Needs, path.Rule)
			}
			return out(map[string]any{"paths": paths}, sb.String())
		},
	}
	unlock.Flags().BoolVar(&knowsOther, "knows-other", false, "the holder knows the other JPKI PIN")

	cmd.AddCommand(validity, eligibility, renewal, event, fee, unlock, newRulesListCmd(stdout, &asJSON))
	return cmd
}

// listedScenario is a scenario as rules list names it.
type listedScenario struct {
	URI  string `json:"uri"`
	Line int    `json:"line"`
	Name string `json:"name"`
}

// listedRule is one entry of rules list: the catalogue's, and the
// scenarios of the embedded features tagged with its ID.
type listedRule struct {
	rules.Rule
	Scenarios []listedScenario `json:"scenarios"`
}

func newRulesListCmd(stdout io.Writer, asJSON *bool) *cobra.Command {
	return &cobra.Command{
		Use:   "list [ID...]",
		Short: "Every rule and field report with its statement, its public source and the scenarios that check it",
		Long: `List the rule catalogue (docs/rules.md) and the field reports (docs/field-reports.md):
each ID with its statement, its public sources, how firm the rule is, and the
scenarios of the embedded features tagged with it (feature file:line and name).
With IDs, only those. --json prints {"rules": [...], "field_reports": [...]}, each
entry {"id", "statement", "source", "firm", "section", "scenarios": [{"uri", "line", "name"}]}.`,
		Example: `  jpkisim rules list
  jpkisim rules list RETRY-06 B12
  jpkisim rules list --json | jq -r '.rules[] | select(.scenarios == []) | .id'`,
		RunE: func(cmd *cobra.Command, args []string) error {
			idx, err := scenarios.RuleScenarios(nil)
			if err != nil {
				return err
			}
			want := map[string]bool{}
			for _, id := range args {
				if _, ok := rules.Lookup(strings.TrimPrefix(id, "@")); !ok {
					return usageError{fmt.Errorf("%q is neither a rule of docs/rules.md nor a field report of docs/field-reports.md (jpkisim rules list shows them)", id)}
				}
				want[strings.TrimPrefix(id, "@")] = true
			}
			list := func(rs []rules.Rule) []listedRule {
				out := []listedRule{}
				for _, r := range rs {
					if len(want) > 0 && !want[r.ID] {
						continue
					}
					l := listedRule{Rule: r, Scenarios: []listedScenario{}}
					for _, s := range idx[r.ID] {
						l.Scenarios = append(l.Scenarios, listedScenario{s.URI, s.Line, s.Name})
					}
					out = append(out, l)
				}
				return out
			}
			rs, frs := list(rules.Catalogue()), list(rules.FieldReports())
			if *asJSON {
				b, err := json.Marshal(map[string][]listedRule{"rules": rs, "field_reports": frs})
				if err != nil {
					return err
				}
				fmt.Fprintln(stdout, string(b))
				return nil
			}
			var sb strings.Builder
			show := func(ls []listedRule, page string) {
				for _, l := range ls {
					fmt.Fprintf(&sb, "%s  %s\n", l.ID, l.Statement)
					fmt.Fprintf(&sb, "    source: %s (%s; %s %s)\n", l.Source, l.Firm, page, l.Section)
					if len(l.Scenarios) == 0 {
						fmt.Fprintf(&sb, "    no scenario\n")
					}
					for _, s := range l.Scenarios {
						fmt.Fprintf(&sb, "    %s:%d %s\n", s.URI, s.Line, s.Name)
					}
				}
			}
			show(rs, "docs/rules.md §")
			if len(rs) > 0 && len(frs) > 0 {
				sb.WriteString("\nField reports (docs/field-reports.md)\n\n")
			}
			show(frs, "docs/field-reports.md")
			fmt.Fprint(stdout, strings.ReplaceAll(sb.String(), "§ ", "§"))
			return nil
		},
	}
}

func eventList() string {
	names := make([]string, len(rules.Events))
	for i, e := range rules.Events {
		names[i] = string(e)
	}
	return strings.Join(names, ", ")
}
