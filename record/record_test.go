package record_test

import (
	"math/big"
	"testing"

	"github.com/jpkisim/jpkisim/jpki"
	"github.com/jpkisim/jpkisim/record"
	"github.com/jpkisim/jpkisim/rules"
)

func TestForNamesEachKind(t *testing.T) {
	var c record.Certificates
	c.For(jpki.Signing).Status = rules.Revoked
	c.For(jpki.Auth).Serial = big.NewInt(7)
	if c.Signing.Status != rules.Revoked || c.Auth.Serial.Int64() != 7 || c.Auth.Status != "" {
		t.Fatalf("%+v", c)
	}
	if c.For(jpki.Kind(0)) != nil || c.For(jpki.Kind(3)) != nil {
		t.Error("For gives a record for a kind that names none")
	}
	if c.Auth.State() != rules.Valid || c.Signing.State() != rules.Revoked {
		t.Errorf("State: %v %v", c.Auth.State(), c.Signing.State())
	}
}

func TestCloneSharesNothing(t *testing.T) {
	c := record.Certificates{Signing: record.Cert{Serial: big.NewInt(1)},
		Former: []record.Former{{Kind: jpki.Auth, Cert: record.Cert{Status: rules.Revoked, Serial: big.NewInt(2)}}}}
	d := c.Clone()
	d.Signing.Serial.SetInt64(10)
	d.Former[0].Serial.SetInt64(20)
	d.Former[0].Reason = rules.Superseded
	if c.Signing.Serial.Int64() != 1 || c.Former[0].Serial.Int64() != 2 || c.Former[0].Reason != 0 {
		t.Fatalf("a change to the clone shows in the original: %+v", c)
	}
	if (record.Certificates{}).Clone().Former != nil {
		t.Error("the clone of an empty record has former certificates")
	}
}
