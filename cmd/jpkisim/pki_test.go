package main

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"io"
	"log/slog"
	"net/http"
	"testing"

	"golang.org/x/crypto/ocsp"

	"github.com/jpkisim/jpkisim/fixtures"
)

// TestServePKI: the responder of `serve --pki` publishes the statuses of the
// profile's record: after an address change the signing certificate is
// revoked (affiliationChanged) and the auth certificate good.
func TestServePKI(t *testing.T) {
	p := fixtures.MustProfile("revoked-address-change")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv, err := servePKI(ctx, slog.New(slog.DiscardHandler), p, fixtures.OfficeRecord(p), "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	query := func(kind string, certDER, caDER []byte) *ocsp.Response {
		cert, _ := x509.ParseCertificate(certDER)
		ca, _ := x509.ParseCertificate(caDER)
		req, err := ocsp.CreateRequest(cert, ca, &ocsp.RequestOptions{Hash: crypto.SHA1})
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.Post("http://"+srv.Addr+"/ocsp/"+kind, "application/ocsp-request", bytes.NewReader(req))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		r, err := ocsp.ParseResponseForCert(body, cert, ca)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	if r := query("sign", p.SigningCert, p.SigningCACert); r.Status != ocsp.Revoked || r.RevocationReason != ocsp.AffiliationChanged {
		t.Fatalf("signing: %d %d", r.Status, r.RevocationReason)
	}
	if r := query("auth", p.AuthCert, p.AuthCACert); r.Status != ocsp.Good {
		t.Fatalf("auth: %d", r.Status)
	}
	if _, err := servePKI(ctx, slog.New(slog.DiscardHandler), p, fixtures.OfficeRecord(p), "0.0.0.0:0"); err == nil {
		t.Fatal("the responder listened beyond loopback")
	}
}
