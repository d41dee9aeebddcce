package provenance

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	p := filepath.Join("testdata", "expected", name)
	if *update {
		writeFile(t, p, got)
		return
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run with -update to create)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from %s (run with -update to accept):\n%s", name, p, got)
	}
}

func TestWriteProvenanceGolden(t *testing.T) {
	fx := newFixture(t)
	st := fx.write(t)
	for _, name := range []string{ManifestName, CroissantName} {
		b, err := os.ReadFile(filepath.Join(fx.out, name))
		if err != nil {
			t.Fatal(err)
		}
		checkGolden(t, name, b)
	}
	if _, err := os.Stat(filepath.Join(fx.out, EnvelopeName)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("envelope written without a key: %v", err)
	}
	// Every output file is a subject, sorted, and croissant.json too; the
	// manifest and the marker are not.
	var names []string
	for _, s := range st.Subject {
		names = append(names, s.Name)
	}
	want := []string{CroissantName, "data/b.jsonl", "data/web/a.jsonl", "findings.jsonl", LedgerName, "quarantine/web/a.jsonl", ReportName}
	if !slices.Equal(names, want) {
		t.Errorf("subjects %q, want %q", names, want)
	}
}

func TestCroissantListsEveryOutput(t *testing.T) {
	fx := newFixture(t)
	st := fx.write(t)
	b, err := os.ReadFile(filepath.Join(fx.out, CroissantName))
	if err != nil {
		t.Fatal(err)
	}
	entries, err := parseCroissant(b)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, e := range entries {
		got[e.Rel] = e.SHA256
	}
	for _, s := range st.Subject {
		if s.Name == CroissantName {
			continue
		}
		if got[s.Name] != s.Digest["sha256"] {
			t.Errorf("croissant sha256 of %s = %q, manifest %q", s.Name, got[s.Name], s.Digest["sha256"])
		}
	}
	if len(got) != len(st.Subject)-1 {
		t.Errorf("croissant lists %d files, want %d", len(got), len(st.Subject)-1)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"@context", "conformsTo", "rai:dataPreprocessingProtocol", "rai:personalSensitiveInformation", "prov:wasDerivedFrom", "recordSet"} {
		if doc[k] == nil {
			t.Errorf("croissant.json has no %s", k)
		}
	}
	if doc["conformsTo"] != CroissantConformsTo {
		t.Errorf("conformsTo = %v", doc["conformsTo"])
	}
	// No raw values leak into croissant.json.
	for _, secret := range []string{"someone@example.com", "AKIAIOSFODNN7EXAMPLE"} {
		if bytes.Contains(b, []byte(secret)) {
			t.Errorf("croissant.json contains the raw value %q", secret)
		}
	}
}

func TestDeterminism(t *testing.T) {
	a, b := newFixture(t), newFixture(t)
	b.run.InvocationID = "99999999-8888-4777-8666-555555555555"
	b.run.Start = time.Date(2027, 5, 6, 7, 8, 9, 123, time.FixedZone("X", 3600))
	b.run.End = b.run.Start.Add(time.Hour)
	// Same content given in a different order must not matter.
	slices.Reverse(b.run.Inputs)
	slices.Reverse(b.run.Packs)
	slices.Reverse(b.run.Files)
	b.run.Config = json.RawMessage(`{"policy":{"poison.*":"report","pii.*":"redact","secret.*":"drop"},"out":"out","mode":"clean","min_confidence":0.5,
		"key_sha256":"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08","inputs":["corpus"],"findings_format":"jsonl"}`)
	a.write(t)
	b.write(t)
	for _, name := range []string{CroissantName, LedgerName, ReportName} {
		x, _ := os.ReadFile(filepath.Join(a.out, name))
		y, _ := os.ReadFile(filepath.Join(b.out, name))
		if !bytes.Equal(x, y) {
			t.Errorf("%s differs between runs", name)
		}
	}
	ma, _ := os.ReadFile(filepath.Join(a.out, ManifestName))
	mb, _ := os.ReadFile(filepath.Join(b.out, ManifestName))
	if bytes.Equal(ma, mb) {
		t.Fatal("manifests are identical although the run metadata differs")
	}
	la, lb := strings.Split(string(ma), "\n"), strings.Split(string(mb), "\n")
	if len(la) != len(lb) {
		t.Fatalf("manifests have %d and %d lines", len(la), len(lb))
	}
	for i := range la {
		if la[i] == lb[i] {
			continue
		}
		key := strings.TrimSpace(strings.SplitN(la[i], ":", 2)[0])
		switch key {
		case `"invocationId"`, `"startedOn"`, `"finishedOn"`:
		default:
			t.Errorf("manifest line %d differs outside the run metadata:\n%s\n%s", i+1, la[i], lb[i])
		}
	}
}

func TestCanonicalJSON(t *testing.T) {
	type cfg struct {
		B   int64             `json:"b"`
		A   string            `json:"a"`
		M   map[string]string `json:"m"`
		F   float64           `json:"f"`
		Big uint64            `json:"big"`
	}
	want := `{"a":"<x>","b":-3,"big":1152921504606846977,"f":0.1,"m":{"a":"1","z":"2"}}`
	for _, tc := range []struct {
		name string
		v    any
	}{
		{"struct", cfg{B: -3, A: "<x>", M: map[string]string{"z": "2", "a": "1"}, F: 0.1, Big: 1<<60 + 1}},
		{"map", map[string]any{"m": map[string]any{"z": "2", "a": "1"}, "f": 0.1, "big": uint64(1<<60 + 1), "a": "<x>", "b": -3}},
		{"raw", json.RawMessage(" {\"m\":{\"z\":\"2\",\"a\":\"1\"},\"big\":1152921504606846977,\"f\":0.1,\"b\":-3,\"a\":\"<x>\"} ")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := canonicalJSON(tc.v)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != want {
				t.Errorf("got  %s\nwant %s", got, want)
			}
		})
	}
	if _, err := canonicalJSON(map[string]any{"f": func() {}}); err == nil {
		t.Error("a func value was accepted")
	}
}

func TestVerifyUntouched(t *testing.T) {
	fx := newFixture(t)
	fx.write(t)
	// A stale staging directory and the marker are ignored.
	writeFile(t, filepath.Join(fx.out, StagingName, "data", "junk.jsonl"), []byte("x\n"))
	res, err := fx.verify(t, VerifyOptions{Inputs: true})
	if err != nil {
		t.Fatalf("Verify: %v%s", err, problemList(res))
	}
	if !res.OK() || res.Files != 7 || res.Records != 5 || res.Inputs != 2 || res.Signed {
		t.Errorf("result = %+v", res)
	}
}

func flipByte(t testing.TB, p string) {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 0x01
	writeFile(t, p, b)
}

func TestVerifyDetectsChangedByteInEveryOutput(t *testing.T) {
	base := newFixture(t)
	st := base.write(t)
	for _, s := range st.Subject {
		t.Run(s.Name, func(t *testing.T) {
			fx := newFixture(t)
			fx.write(t)
			flipByte(t, filepath.Join(fx.out, filepath.FromSlash(s.Name)))
			res, err := fx.verify(t, VerifyOptions{})
			if !errors.Is(err, ErrVerifyFailed) {
				t.Fatalf("err = %v, want ErrVerifyFailed", err)
			}
			if !hasProblem(res, ProblemChanged, s.Name) {
				t.Errorf("no %q problem for %s:%s", ProblemChanged, s.Name, problemList(res))
			}
			if !strings.Contains(err.Error(), s.Name) {
				t.Errorf("error %q does not name %s", err, s.Name)
			}
		})
	}
}

func rewriteLedger(t testing.TB, fx *fixture, edit func([]LedgerRow) []LedgerRow) {
	t.Helper()
	writeLedger(t, filepath.Join(fx.out, LedgerName), edit(fixtureLedger()))
}

func TestVerifyTampering(t *testing.T) {
	type want struct {
		kind ProblemKind
		file string
	}
	tests := []struct {
		name   string
		opt    VerifyOptions
		tamper func(t *testing.T, fx *fixture)
		want   []want
	}{
		{
			name:   "delete data file",
			tamper: func(t *testing.T, fx *fixture) { os.Remove(filepath.Join(fx.out, "data/b.jsonl")) },
			want:   []want{{ProblemMissing, "data/b.jsonl"}},
		},
		{
			name:   "delete ledger",
			tamper: func(t *testing.T, fx *fixture) { os.Remove(filepath.Join(fx.out, LedgerName)) },
			want:   []want{{ProblemMissing, LedgerName}},
		},
		{
			name:   "delete croissant",
			tamper: func(t *testing.T, fx *fixture) { os.Remove(filepath.Join(fx.out, CroissantName)) },
			want:   []want{{ProblemMissing, CroissantName}},
		},
		{
			name: "add file",
			tamper: func(t *testing.T, fx *fixture) {
				writeFile(t, filepath.Join(fx.out, "data/web/injected.jsonl"), []byte(`{"text":"poison"}`+"\n"))
			},
			want: []want{{ProblemExtra, "data/web/injected.jsonl"}},
		},
		{
			name: "add symlink",
			tamper: func(t *testing.T, fx *fixture) {
				if err := os.Symlink("b.jsonl", filepath.Join(fx.out, "data/link.jsonl")); err != nil {
					t.Skip(err)
				}
			},
			want: []want{{ProblemExtra, "data/link.jsonl"}},
		},
		{
			name: "append record to data file",
			tamper: func(t *testing.T, fx *fixture) {
				f, _ := os.OpenFile(filepath.Join(fx.out, "data/b.jsonl"), os.O_APPEND|os.O_WRONLY, 0)
				f.WriteString(`{"messages":[]}` + "\n")
				f.Close()
			},
			want: []want{{ProblemChanged, "data/b.jsonl"}},
		},
		{
			name: "edit ledger decision",
			tamper: func(t *testing.T, fx *fixture) {
				rewriteLedger(t, fx, func(r []LedgerRow) []LedgerRow {
					r[4].Decision, r[4].Reasons = DecisionRedacted, []string{"pii.email"}
					return r
				})
			},
			want: []want{{ProblemChanged, LedgerName}, {ProblemCounts, LedgerName}},
		},
		{
			name: "edit ledger decision and reseal digests",
			tamper: func(t *testing.T, fx *fixture) {
				rewriteLedger(t, fx, func(r []LedgerRow) []LedgerRow {
					r[0].Decision, r[0].Reasons = DecisionRedacted, []string{"pii.email"}
					return r
				})
				reseal(t, fx.out)
			},
			want: []want{{ProblemCounts, LedgerName}},
		},
		{
			name: "drop a ledger row and reseal",
			tamper: func(t *testing.T, fx *fixture) {
				rewriteLedger(t, fx, func(r []LedgerRow) []LedgerRow { return slices.Delete(r, 1, 2) })
				reseal(t, fx.out)
			},
			want: []want{{ProblemCounts, LedgerName}, {ProblemLedger, LedgerName}},
		},
		{
			name: "ledger points to a file outside the manifest",
			tamper: func(t *testing.T, fx *fixture) {
				rewriteLedger(t, fx, func(r []LedgerRow) []LedgerRow { r[3].OutputFile = "data/other.jsonl"; return r })
				reseal(t, fx.out)
			},
			want: []want{{ProblemLedger, LedgerName}},
		},
		{
			name: "edit report counts and reseal",
			tamper: func(t *testing.T, fx *fixture) {
				p := filepath.Join(fx.out, ReportName)
				b, _ := os.ReadFile(p)
				writeFile(t, p, bytes.Replace(b, []byte(`"records_in": 5, "kept": 3, "redacted": 1, "dropped": 1`),
					[]byte(`"records_in": 5, "kept": 4, "redacted": 1, "dropped": 0`), 1))
				reseal(t, fx.out)
			},
			want: []want{{ProblemCounts, LedgerName}, {ProblemCounts, ManifestName}},
		},
		{
			name: "croissant sha256 edited and manifest resealed",
			tamper: func(t *testing.T, fx *fixture) {
				p := filepath.Join(fx.out, CroissantName)
				b, _ := os.ReadFile(p)
				sum := mustHash(t, filepath.Join(fx.out, "data/b.jsonl"))
				writeFile(t, p, bytes.Replace(b, []byte(sum), []byte(sha256Hex("other")), 1))
				st, _, err := ReadStatement(filepath.Join(fx.out, ManifestName))
				if err != nil {
					t.Fatal(err)
				}
				for i := range st.Subject {
					if st.Subject[i].Name == CroissantName {
						st.Subject[i].Digest["sha256"] = mustHash(t, p)
					}
				}
				mb, _ := marshalJSON(st)
				writeFile(t, filepath.Join(fx.out, ManifestName), mb)
			},
			want: []want{{ProblemCroissant, "data/b.jsonl"}},
		},
		{
			name:   "change an input",
			opt:    VerifyOptions{Inputs: true},
			tamper: func(t *testing.T, fx *fixture) { flipByte(t, filepath.Join(fx.root, "corpus/web/a.jsonl")) },
			want:   []want{{ProblemInputChanged, "corpus/web/a.jsonl"}},
		},
		{
			name:   "delete an input",
			opt:    VerifyOptions{Inputs: true},
			tamper: func(t *testing.T, fx *fixture) { os.Remove(filepath.Join(fx.root, "corpus/b.jsonl")) },
			want:   []want{{ProblemInputMissing, "corpus/b.jsonl"}},
		},
		{
			name:   "delete manifest",
			tamper: func(t *testing.T, fx *fixture) { os.Remove(filepath.Join(fx.out, ManifestName)) },
			want:   []want{{ProblemMissing, ManifestName}},
		},
		{
			name: "manifest subject escapes the directory",
			tamper: func(t *testing.T, fx *fixture) {
				p := filepath.Join(fx.out, ManifestName)
				b, _ := os.ReadFile(p)
				writeFile(t, p, bytes.Replace(b, []byte(`"name": "data/b.jsonl"`), []byte(`"name": "../corpus/b.jsonl"`), 1))
			},
			want: []want{{ProblemManifest, ManifestName}},
		},
		{
			name: "unsigned output with a public key",
			opt:  VerifyOptions{PubKey: func() []byte { p, _ := testKey(t, 1); return p }()},
			want: []want{{ProblemSignature, EnvelopeName}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fx := newFixture(t)
			fx.write(t)
			if tc.tamper != nil {
				tc.tamper(t, fx)
			}
			res, err := fx.verify(t, tc.opt)
			if !errors.Is(err, ErrVerifyFailed) {
				t.Fatalf("err = %v, want ErrVerifyFailed%s", err, problemList(res))
			}
			for _, w := range tc.want {
				if !hasProblem(res, w.kind, w.file) {
					t.Errorf("missing problem %s on %s; got:%s", w.kind, w.file, problemList(res))
				}
			}
		})
	}
}

func TestVerifyInputsWithOpener(t *testing.T) {
	fx := newFixture(t)
	fx.write(t)
	var opened []string
	res, err := Verify(context.Background(), fx.out, VerifyOptions{Inputs: true, Workers: 1,
		OpenInput: func(p string) (io.ReadCloser, error) {
			opened = append(opened, p)
			return os.Open(filepath.Join(fx.root, p))
		}})
	if err != nil {
		t.Fatalf("%v%s", err, problemList(res))
	}
	slices.Sort(opened)
	if !slices.Equal(opened, []string{"corpus/b.jsonl", "corpus/web/a.jsonl"}) {
		t.Errorf("opened %q", opened)
	}
}

func TestVerifyNotADirectory(t *testing.T) {
	if _, err := Verify(context.Background(), filepath.Join(t.TempDir(), "nope"), VerifyOptions{}); err == nil || errors.Is(err, ErrVerifyFailed) {
		t.Errorf("err = %v, want an operational error", err)
	}
}

func TestWriteProvenanceHashesInputs(t *testing.T) {
	fx := newFixture(t)
	want := fx.run.Inputs[0].SHA256
	fx.run.Inputs[0].SHA256 = ""
	fx.run.Inputs[0].Path = filepath.Join(fx.root, "corpus/web/a.jsonl")
	st := fx.write(t)
	for _, in := range st.Inputs() {
		if in.Name == fx.run.Inputs[0].Path && in.Digest["sha256"] != want {
			t.Errorf("hashed input digest %s, want %s", in.Digest["sha256"], want)
		}
	}
}

func TestWriteProvenanceRejects(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(fx *fixture)
		wants []string
	}{
		{"no config", func(fx *fixture) { fx.run.Config = nil }, []string{"no config"}},
		{"bad mode and version", func(fx *fixture) { fx.run.Mode, fx.run.ToolVersion = "merge", "" }, []string{`mode "merge"`, "no tool version"}},
		{"duplicate input", func(fx *fixture) { fx.run.Inputs = append(fx.run.Inputs, fx.run.Inputs[0]) }, []string{"listed twice"}},
		{"bad pack digest", func(fx *fixture) { fx.run.Packs[0].SHA256 = "ABC" }, []string{"pack"}},
		{"escaping file", func(fx *fixture) { fx.run.Files[0].Rel = "../x.jsonl" }, []string{"not a clean relative path"}},
		{"reserved file", func(fx *fixture) { fx.run.Files[0].Rel = CroissantName }, []string{"reserved"}},
		{"unknown field type", func(fx *fixture) { fx.run.Files[0].Fields[0].Type = "blob" }, []string{`unknown type "blob"`}},
		{"listed file absent", func(fx *fixture) { fx.run.Files = append(fx.run.Files, OutFile{Rel: "data/gone.jsonl"}) }, []string{"data/gone.jsonl"}},
		{"end before start", func(fx *fixture) { fx.run.End = fx.run.Start.Add(-time.Second) }, []string{"before start"}},
		{"short key", func(fx *fixture) { fx.run.SignKey = make([]byte, 10) }, []string{"signing key"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fx := newFixture(t)
			tc.edit(fx)
			_, err := WriteProvenance(context.Background(), fx.out, fx.run)
			if !errors.Is(err, ErrBadRun) {
				t.Fatalf("err = %v, want ErrBadRun", err)
			}
			for _, w := range tc.wants {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			if _, serr := os.Stat(filepath.Join(fx.out, ManifestName)); serr == nil {
				t.Error("manifest written despite the error")
			}
		})
	}
}

func TestWriteProvenanceCancelled(t *testing.T) {
	fx := newFixture(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := WriteProvenance(ctx, fx.out, fx.run); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

func TestRecordedParametersAndRerunCompare(t *testing.T) {
	fx := newFixture(t)
	st := fx.write(t)
	p, err := RecordedParameters(fx.out)
	if err != nil {
		t.Fatal(err)
	}
	var cfg fixtureConfig
	if err := json.Unmarshal(p.Config, &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.Out != "out" || cfg.MinConfidence != 0.5 || !slices.Equal(p.Args, fx.run.Args) {
		t.Errorf("recorded parameters %+v, args %q", cfg, p.Args)
	}
	if probs := CompareSubjects(st.Subject, st.Subject); len(probs) != 0 {
		t.Errorf("identical subjects differ: %v", probs)
	}
	got := slices.Clone(st.Subject)
	got[1] = ResourceDescriptor{Name: got[1].Name, Digest: map[string]string{"sha256": sha256Hex("x")}}
	got = append(got[:2], got[3:]...)
	got = append(got, ResourceDescriptor{Name: "data/new.jsonl", Digest: map[string]string{"sha256": sha256Hex("y")}})
	probs := CompareSubjects(st.Subject, got)
	kinds := map[ProblemKind]string{}
	for _, p := range probs {
		kinds[p.Kind] = p.File
	}
	if kinds[ProblemChanged] != st.Subject[1].Name || kinds[ProblemMissing] != st.Subject[2].Name || kinds[ProblemExtra] != "data/new.jsonl" {
		t.Errorf("CompareSubjects = %v", probs)
	}
}

func TestPinCheck(t *testing.T) {
	fx := newFixture(t)
	_, priv := testKey(t, 7)
	fx.run.SignKey = priv
	fx.write(t)
	a, b := fx.run.Inputs[0], fx.run.Inputs[1]
	current := map[string]string{
		a.Path:           a.SHA256,        // unchanged
		b.Path:           sha256Hex("b2"), // changed
		"corpus/c.jsonl": sha256Hex("c"),  // new
	}
	want := []Mismatch{
		{Kind: MismatchChanged, Path: b.Path, Pinned: b.SHA256, Actual: sha256Hex("b2")},
		{Kind: MismatchUnpinned, Path: "corpus/c.jsonl", Actual: sha256Hex("c")},
	}
	for _, src := range []string{filepath.Join(fx.out, ManifestName), filepath.Join(fx.out, EnvelopeName), fx.out} {
		got, err := PinCheck(src, current)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: PinCheck = %v, want %v", src, got, want)
		}
	}
	got, err := PinCheck(fx.out, map[string]string{a.Path: a.SHA256})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Kind != MismatchAbsent || got[0].Path != b.Path {
		t.Errorf("PinCheck with a missing input = %v", got)
	}
	if _, err := PinCheck(filepath.Join(fx.out, ReportName), current); !errors.Is(err, ErrBadManifest) {
		t.Errorf("PinCheck on report.json: err = %v, want ErrBadManifest", err)
	}
}

func TestParseStatementRejects(t *testing.T) {
	fx := newFixture(t)
	fx.write(t)
	good, err := os.ReadFile(filepath.Join(fx.out, ManifestName))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ParseStatement(good); err != nil {
		t.Fatalf("good manifest: %v", err)
	}
	tests := []struct{ name, old, new string }{
		{"statement type", StatementType, "https://in-toto.io/Statement/v0.1"},
		{"predicate type", PredicateSLSA, "https://slsa.dev/provenance/v0.2"},
		{"absolute subject", `"name": "data/b.jsonl"`, `"name": "/etc/passwd"`},
		{"parent subject", `"name": "data/b.jsonl"`, `"name": "data/../../x"`},
		{"duplicate subject", `"name": "data/b.jsonl"`, `"name": "data/web/a.jsonl"`},
		{"bad digest", `"sha256": "`, `"sha256": "zz`},
		{"trailing data", "}\n", "} {}\n"},
		{"not json", `{`, `[`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := []byte(strings.Replace(string(good), tc.old, tc.new, 1))
			if bytes.Equal(b, good) && tc.name != "trailing data" {
				t.Fatalf("edit %q did not apply", tc.old)
			}
			if tc.name == "trailing data" {
				b = append(bytes.TrimRight(good, "\n"), []byte(" {}\n")...)
			}
			if _, err := ParseStatement(b); !errors.Is(err, ErrBadManifest) {
				t.Errorf("err = %v, want ErrBadManifest", err)
			}
		})
	}
}

func TestResolveOutFile(t *testing.T) {
	tests := []struct {
		rel                       string
		role, format, compression string
	}{
		{"data/a.jsonl", RoleData, FormatJSONL, ""},
		{"data/a.json", RoleData, FormatJSONL, ""},
		{"data/x/a.jsonl.gz", RoleData, FormatJSONL, CompressionGzip},
		{"quarantine/a.jsonl.zst", RoleQuarantine, FormatJSONL, CompressionZstd},
		{"data/a.parquet", RoleData, FormatParquet, ""},
		{"data/train-00000.arrow", RoleData, FormatArrow, ""},
		{"findings.parquet", RoleFindings, FormatParquet, ""},
		{"findings.jsonl", RoleFindings, FormatJSONL, ""},
		{LedgerName, RoleLedger, FormatParquet, ""},
		{ReportName, RoleReport, FormatJSON, ""},
		{"notes.txt", RoleOther, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.rel, func(t *testing.T) {
			got := resolveOutFile(tc.rel, OutFile{})
			if got.Role != tc.role || got.Format != tc.format || got.Compression != tc.compression {
				t.Errorf("got role %q format %q compression %q", got.Role, got.Format, got.Compression)
			}
		})
	}
	q := resolveOutFile("quarantine/a.parquet", OutFile{Fields: []Field{{Name: "text"}}})
	if len(q.Fields) != 2 || q.Fields[1].Name != "_winnow_reason" {
		t.Errorf("quarantine fields %+v", q.Fields)
	}
}

func TestProblemString(t *testing.T) {
	p := Problem{Kind: ProblemChanged, File: "data/a.jsonl", Expected: "aa", Actual: "bb", Detail: "sha256 differs from the manifest"}
	want := "data/a.jsonl: changed: sha256 differs from the manifest (expected aa, actual bb)"
	if p.String() != want {
		t.Errorf("got %q", p.String())
	}
}

func TestVerifyScanMode(t *testing.T) {
	fx := newFixture(t)
	for _, d := range []string{"data", "quarantine"} {
		os.RemoveAll(filepath.Join(fx.out, d))
	}
	rows := fixtureLedger()
	for i := range rows {
		rows[i].OutputFile, rows[i].OutputRow = "", -1
	}
	writeLedger(t, filepath.Join(fx.out, LedgerName), rows)
	p := filepath.Join(fx.out, ReportName)
	b, _ := os.ReadFile(p)
	writeFile(t, p, bytes.Replace(b, []byte(`"mode": "clean"`), []byte(`"mode": "scan"`), 1))
	fx.run.Mode = "scan"
	fx.run.Files = fx.run.Files[3:]
	st := fx.write(t)
	if st.Predicate.BuildDefinition.BuildType != BuildTypeScan {
		t.Errorf("build type %s", st.Predicate.BuildDefinition.BuildType)
	}
	if res, err := fx.verify(t, VerifyOptions{Inputs: true}); err != nil {
		t.Fatalf("%v%s", err, problemList(res))
	}
	// A scan ledger that claims an output file is inconsistent.
	rows[0].OutputFile, rows[0].OutputRow = "data/web/a.jsonl", 0
	writeLedger(t, filepath.Join(fx.out, LedgerName), rows)
	reseal(t, fx.out)
	res, err := fx.verify(t, VerifyOptions{})
	if !errors.Is(err, ErrVerifyFailed) || !hasProblem(res, ProblemLedger, LedgerName) {
		t.Errorf("err = %v%s", err, problemList(res))
	}
}
