package provenance

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// Committed seeds live in testdata/fuzz/FuzzX/; the f.Add seeds below add
// the golden files so the fuzzers start from real documents.

func addGolden(f *testing.F, name string) {
	b, err := os.ReadFile(filepath.Join("testdata", "expected", name))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
}

func FuzzParseStatement(f *testing.F) {
	addGolden(f, ManifestName)
	f.Add([]byte(`{"_type":"https://in-toto.io/Statement/v1","predicateType":"https://slsa.dev/provenance/v1","subject":[{"name":"a","digest":{"sha256":"` + RecordHash(nil) + `"}}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		st, err := ParseStatement(b)
		if err != nil {
			if !errors.Is(err, ErrBadManifest) {
				t.Fatalf("error does not wrap ErrBadManifest: %v", err)
			}
			return
		}
		for _, s := range st.Subject {
			if !localSlashPath(s.Name) {
				t.Fatalf("accepted subject name %q", s.Name)
			}
		}
		again, err := marshalJSON(st)
		if err != nil {
			t.Fatalf("re-encoding an accepted statement: %v", err)
		}
		if _, err := ParseStatement(again); err != nil {
			t.Fatalf("re-encoded statement rejected: %v", err)
		}
		st.Inputs()
	})
}

func FuzzDecodeEnvelope(f *testing.F) {
	pub, priv := testKey(f, 9)
	env, err := Sign([]byte(`{"_type":"https://in-toto.io/Statement/v1"}`), priv)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(env)
	f.Add([]byte(`{"payloadType":"application/vnd.in-toto+json","payload":"","signatures":[{"sig":""}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		e, payload, err := DecodeEnvelope(b)
		if err != nil {
			if !errors.Is(err, ErrBadEnvelope) {
				t.Fatalf("error does not wrap ErrBadEnvelope: %v", err)
			}
			return
		}
		got, err := VerifyEnvelope(b, pub)
		if err != nil {
			return
		}
		if !bytes.Equal(got, payload) || e.PayloadType != PayloadTypeInToto {
			t.Fatalf("verified payload differs from the decoded one")
		}
	})
}

func FuzzParseCroissant(f *testing.F) {
	addGolden(f, CroissantName)
	f.Add([]byte(`{"distribution":[{"@type":["cr:FileObject"],"contentUrl":"a%2Fb","sha256":"x"}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		files, err := parseCroissant(b)
		if err != nil {
			if !errors.Is(err, errBadCroissant) {
				t.Fatalf("error does not wrap errBadCroissant: %v", err)
			}
			return
		}
		for _, fo := range files {
			if !localSlashPath(fo.Rel) {
				t.Fatalf("accepted contentUrl resolving to %q", fo.Rel)
			}
		}
	})
}

func FuzzReadLedger(f *testing.F) {
	f.Add(encodeLedger(f, fixtureLedger(), nil))
	f.Fuzz(func(t *testing.T, b []byte) {
		err := ReadLedgerFrom(bytes.NewReader(b), int64(len(b)), func(r *LedgerRow) error {
			_ = checkLedgerRow(r)
			return nil
		})
		if err != nil && !errors.Is(err, ErrNotLedger) {
			t.Fatalf("error does not wrap ErrNotLedger: %v", err)
		}
	})
}
