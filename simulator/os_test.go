package simulator_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/jpkisim/jpkisim/jpki"

	"github.com/jpkisim/jpkisim/simulator"
)

// TestApplicationsAreFoundByAID: the card OS finds the ISD and the JPKI
// application by their AIDs, not by where they stand in State.Apps. A state
// holding them the other way round gives the same answers: the ISD is
// current after reset and after the restore command, and each application
// answers its own commands.
func TestApplicationsAreFoundByAID(t *testing.T) {
	p := profile(t, nil)
	st, err := simulator.NewState(p)
	if err != nil {
		t.Fatal(err)
	}
	slices.Reverse(st.Apps)
	if st.Apps[0].Name == "ISD" || st.Apps[len(st.Apps)-1].Name != "ISD" {
		t.Fatal("the state was not reversed")
	}
	c := simulator.NewWithState(p, st, nil)
	c.PowerOn()
	expectSWs(t, c,
		"00A4000000", "6A86", // the ISD is current after reset
		selAuthP, "6A82", // the ISD holds no PIN
		"80AE000000", "6D00", // SET SESSION KEY is the JPKI application's
		"08B0000004", "6882",
		selJPKI, "9000",
		"00A4000000", "9000",
		"80AE000000", "6982",
		"08B0000004", "69FC",
		selAuthP, "9000", authOK, "9000",
		fmt.Sprintf("80EE00000F%X", jpki.RestoreData), "9000",
		selAuthP, "6A82", // the restore made the ISD current again
	)
}
