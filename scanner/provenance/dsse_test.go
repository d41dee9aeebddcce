package provenance

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPAE(t *testing.T) {
	// The example of the DSSE protocol document.
	got := PAE("http://example.com/HelloWorld", []byte("hello world"))
	want := "DSSEv1 29 http://example.com/HelloWorld 11 hello world"
	if string(got) != want {
		t.Errorf("PAE = %q, want %q", got, want)
	}
	if got := PAE("", nil); string(got) != "DSSEv1 0  0 " {
		t.Errorf("empty PAE = %q", got)
	}
}

func TestSignVerifyRoundTrip(t *testing.T) {
	pub, priv := testKey(t, 1)
	otherPub, _ := testKey(t, 2)
	stmt := []byte(`{"_type":"https://in-toto.io/Statement/v1"}` + "\n")
	env, err := Sign(stmt, priv)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := Sign(stmt, priv)
	if !bytes.Equal(env, again) {
		t.Error("signing is not deterministic")
	}
	payload, err := VerifyEnvelope(env, pub)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(payload, stmt) {
		t.Errorf("payload %q, want %q", payload, stmt)
	}

	var e Envelope
	if err := json.Unmarshal(env, &e); err != nil {
		t.Fatal(err)
	}
	if e.PayloadType != PayloadTypeInToto || len(e.Signatures) != 1 || e.Signatures[0].KeyID != KeyID(pub) {
		t.Errorf("envelope %+v", e)
	}
	mutate := func(f func(e *Envelope)) []byte {
		c := e
		c.Signatures = append([]Signature(nil), e.Signatures...)
		f(&c)
		b, _ := json.Marshal(c)
		return b
	}
	sig, _ := base64.StdEncoding.DecodeString(e.Signatures[0].Sig)
	sig[0] ^= 1
	tests := []struct {
		name string
		env  []byte
		pub  ed25519.PublicKey
		want error
	}{
		{"tampered payload", mutate(func(e *Envelope) {
			e.Payload = base64.StdEncoding.EncodeToString([]byte(strings.Replace(string(stmt), "v1", "v2", 1)))
		}), pub, ErrSignature},
		{"tampered signature", mutate(func(e *Envelope) { e.Signatures[0].Sig = base64.StdEncoding.EncodeToString(sig) }), pub, ErrSignature},
		{"wrong key", env, otherPub, ErrSignature},
		{"keyid of another key", mutate(func(e *Envelope) { e.Signatures[0].KeyID = KeyID(otherPub) }), pub, ErrSignature},
		{"no signatures", mutate(func(e *Envelope) { e.Signatures = nil }), pub, ErrSignature},
		{"payload type", mutate(func(e *Envelope) { e.PayloadType = "application/json" }), pub, ErrBadEnvelope},
		{"not base64", mutate(func(e *Envelope) { e.Payload = "!!" }), pub, ErrBadEnvelope},
		{"not json", []byte("{"), pub, ErrBadEnvelope},
		{"short key", env, pub[:16], ErrBadKey},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := VerifyEnvelope(tc.env, tc.pub); !errors.Is(err, tc.want) {
				t.Errorf("err = %v, want %v", err, tc.want)
			}
		})
	}
	// URL-safe unpadded base64 and an empty keyid are accepted.
	ok := mutate(func(e *Envelope) {
		e.Payload = base64.RawURLEncoding.EncodeToString(stmt)
		e.Signatures[0].KeyID = ""
	})
	if _, err := VerifyEnvelope(ok, pub); err != nil {
		t.Errorf("URL-safe envelope: %v", err)
	}
}

func TestKeys(t *testing.T) {
	pubPEM, privPEM, err := GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := ParsePublicKey(pubPEM)
	if err != nil {
		t.Fatal(err)
	}
	priv, err := ParsePrivateKey(privPEM)
	if err != nil {
		t.Fatal(err)
	}
	if !pub.Equal(priv.Public()) {
		t.Fatal("generated keys do not match")
	}
	blk, _ := pem.Decode(pubPEM)
	sum := sha256.Sum256(blk.Bytes)
	if KeyID(pub) != hex.EncodeToString(sum[:]) {
		t.Error("KeyID is not the sha256 of the PKIX DER")
	}
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "k.pem"), privPEM)
	writeFile(t, filepath.Join(dir, "k.pub"), pubPEM)
	if k, err := LoadPrivateKey(filepath.Join(dir, "k.pem")); err != nil || !k.Equal(priv) {
		t.Errorf("LoadPrivateKey: %v", err)
	}
	if k, err := LoadPublicKey(filepath.Join(dir, "k.pub")); err != nil || !k.Equal(pub) {
		t.Errorf("LoadPublicKey: %v", err)
	}

	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ecDER, _ := x509.MarshalPKCS8PrivateKey(ec)
	ecPub, _ := x509.MarshalPKIXPublicKey(&ec.PublicKey)
	for _, tc := range []struct {
		name  string
		parse func([]byte) error
		in    []byte
	}{
		{"private: not PEM", func(b []byte) error { _, err := ParsePrivateKey(b); return err }, []byte("hello")},
		{"private: public block", func(b []byte) error { _, err := ParsePrivateKey(b); return err }, pubPEM},
		{"private: ecdsa", func(b []byte) error { _, err := ParsePrivateKey(b); return err },
			pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: ecDER})},
		{"private: garbage DER", func(b []byte) error { _, err := ParsePrivateKey(b); return err },
			pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte{1, 2, 3}})},
		{"public: private block", func(b []byte) error { _, err := ParsePublicKey(b); return err }, privPEM},
		{"public: ecdsa", func(b []byte) error { _, err := ParsePublicKey(b); return err },
			pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: ecPub})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.parse(tc.in)
			if !errors.Is(err, ErrBadKey) {
				t.Errorf("err = %v, want ErrBadKey", err)
			}
		})
	}
	if _, err := Sign([]byte("x"), priv[:10]); !errors.Is(err, ErrBadKey) {
		t.Errorf("Sign with a short key: %v", err)
	}
}

func TestSignedOutputVerifies(t *testing.T) {
	pub, priv := testKey(t, 3)
	otherPub, _ := testKey(t, 4)
	fx := newFixture(t)
	fx.run.SignKey = priv
	fx.write(t)
	res, err := fx.verify(t, VerifyOptions{PubKey: pub, Inputs: true})
	if err != nil {
		t.Fatalf("%v%s", err, problemList(res))
	}
	if !res.Signed {
		t.Error("Signed = false")
	}
	if res, err := fx.verify(t, VerifyOptions{PubKey: otherPub}); !errors.Is(err, ErrVerifyFailed) || !hasProblem(res, ProblemSignature, EnvelopeName) {
		t.Errorf("wrong key: err = %v%s", err, problemList(res))
	}

	// Resealing after a change keeps the unsigned checks quiet, but the
	// envelope no longer carries the manifest.
	flipByte(t, filepath.Join(fx.out, "data/b.jsonl"))
	reseal(t, fx.out)
	for _, opt := range []VerifyOptions{{PubKey: pub}, {}} {
		res, err := fx.verify(t, opt)
		if !errors.Is(err, ErrVerifyFailed) || !hasProblem(res, ProblemSignature, EnvelopeName) {
			t.Errorf("resealed manifest with key=%v: err = %v%s", opt.PubKey != nil, err, problemList(res))
		}
	}
	// A bad envelope is reported even without a key.
	writeFile(t, filepath.Join(fx.out, EnvelopeName), []byte("not json"))
	if res, err := fx.verify(t, VerifyOptions{}); !errors.Is(err, ErrVerifyFailed) || !hasProblem(res, ProblemSignature, EnvelopeName) {
		t.Errorf("garbage envelope: err = %v%s", err, problemList(res))
	}
	if _, err := os.Stat(filepath.Join(fx.out, EnvelopeName)); err != nil {
		t.Fatal(err)
	}
}
