package scenarios

import (
	"strings"

	"github.com/jpkisim/jpkisim/apdu"
)

// The step definitions, by area. Each area is a steps type over the
// scenario's world whose methods are the steps, in a file of its own that
// registers them as a table (register):
//
//	steps_card.go    cardSteps: selection, raw C-APDUs, reset, the card's profile, status words and response data
//	steps_pin.go     pinSteps: VERIFY, retry counters, CHANGE REFERENCE DATA
//	steps_read.go    readSteps: READ BINARY, the certificates and their content
//	steps_sign.go    signSteps: COMPUTE DIGITAL SIGNATURE and its checks
//	steps_fault.go   faultSteps: faults of the embedded card (@embedded)
//	steps_office.go  officeSteps: the card's visits to the office (@embedded)
//	steps_rules.go   rulesSteps: the lifecycle rules, no card involved
//	steps_cardface.go cardfaceSteps: the Kenhojo, Kenkaku, common card and Juki applications
//	steps_client.go  clientSteps: a program under test in front of the served card (@client)
//
// godog names a definition by the file and line of its Step call and by its
// function, so a report reads "steps_pin.go:40 -> ...pinSteps.verifyWrongPIN-fm".
// The steps types have value receivers because godog shows a method value
// of a pointer receiver by its receiver alone ("*world"); each area calls
// Step itself, from its own file, for the line to be the definition's
// (TestStepDefinitionsNamed).

// stepper receives step definitions: a *godog.ScenarioContext, or the
// phrase list of StepPhrases.
type stepper interface {
	Step(expr, stepFunc any)
}

// register adds every step definition, bound to w, to a scenario.
func register(sc stepper, w *world) {
	cardSteps{w}.register(sc)
	pinSteps{w}.register(sc)
	readSteps{w}.register(sc)
	signSteps{w}.register(sc)
	faultSteps{w}.register(sc)
	officeSteps{w}.register(sc)
	cardfaceSteps{w}.register(sc)
	clientSteps{w}.register(sc)
	rulesSteps{&w.rules}.register(sc)
}

// phrases is a stepper that keeps the expressions.
type phrases []string

func (p *phrases) Step(expr, _ any) {
	*p = append(*p, strings.TrimSuffix(strings.TrimPrefix(expr.(string), "^"), "$"))
}

// StepPhrases lists the step phrases the features may use, as the regular
// expressions godog matches (anchors removed), in definition order.
func StepPhrases() []string {
	var p phrases
	register(&p, &world{})
	return p
}

func parseHexArg(s string) ([]byte, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	return apdu.ParseHex(s)
}

// ctxKey is the context key of the world, for hooks.
type ctxKey struct{}
