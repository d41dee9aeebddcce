package provenance

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"
)

// CroissantConformsTo is the Croissant version croissant.json declares.
const CroissantConformsTo = "http://mlcommons.org/croissant/1.1"

// croissantContext is the JSON-LD context of Croissant 1.1 (the spec's
// Appendix 1) plus the PROV-O prefix for prov:wasDerivedFrom.
var croissantContext = json.RawMessage(`{
"@language": "en",
"@vocab": "http://schema.org/",
"sc": "http://schema.org/",
"cr": "http://mlcommons.org/croissant/",
"rai": "http://mlcommons.org/croissant/RAI/",
"dct": "http://purl.org/dc/terms/",
"prov": "http://www.w3.org/ns/prov#",
"annotation": "cr:annotation",
"arrayShape": "cr:arrayShape",
"citeAs": "cr:citeAs",
"column": "cr:column",
"conformsTo": "dct:conformsTo",
"containedIn": "cr:containedIn",
"data": {"@id": "cr:data", "@type": "@json"},
"dataType": {"@id": "cr:dataType", "@type": "@vocab"},
"equivalentProperty": "cr:equivalentProperty",
"examples": {"@id": "cr:examples", "@type": "@json"},
"excludes": "cr:excludes",
"extract": "cr:extract",
"field": "cr:field",
"fileProperty": "cr:fileProperty",
"fileObject": "cr:fileObject",
"fileSet": "cr:fileSet",
"format": "cr:format",
"includes": "cr:includes",
"isArray": "cr:isArray",
"isLiveDataset": "cr:isLiveDataset",
"jsonPath": "cr:jsonPath",
"key": "cr:key",
"md5": "cr:md5",
"parentField": "cr:parentField",
"recordSet": "cr:recordSet",
"references": "cr:references",
"regex": "cr:regex",
"readLines": "cr:readLines",
"sdVersion": "cr:sdVersion",
"separator": "cr:separator",
"source": "cr:source",
"subField": "cr:subField",
"transform": "cr:transform",
"unArchive": "cr:unArchive",
"value": "cr:value"
}`)

var dataTypes = map[string]string{
	"":          "sc:Text",
	TypeText:    "sc:Text",
	TypeInteger: "sc:Integer",
	TypeFloat:   "sc:Float",
	TypeBoolean: "sc:Boolean",
}

var mediaTypes = map[string]string{
	FormatJSONL:       "application/jsonlines",
	FormatJSON:        "application/json",
	FormatParquet:     "application/x-parquet",
	FormatArrow:       "application/vnd.apache.arrow.file",
	FormatArrowStream: "application/vnd.apache.arrow.stream",
	CompressionGzip:   "application/gzip",
	CompressionZstd:   "application/zstd",
}

type crDoc struct {
	Context       json.RawMessage `json:"@context"`
	Type          string          `json:"@type"`
	Name          string          `json:"name"`
	Description   string          `json:"description"`
	ConformsTo    string          `json:"conformsTo"`
	License       string          `json:"license,omitempty"`
	URL           string          `json:"url,omitempty"`
	Distribution  []crFileObject  `json:"distribution"`
	RecordSet     []crRecordSet   `json:"recordSet,omitempty"`
	Preprocessing string          `json:"rai:dataPreprocessingProtocol"`
	Sensitive     string          `json:"rai:personalSensitiveInformation"`
	DerivedFrom   []crEntity      `json:"prov:wasDerivedFrom"`
	GeneratedBy   crActivity      `json:"prov:wasGeneratedBy"`
}

type crFileObject struct {
	Type           string `json:"@type"`
	ID             string `json:"@id"`
	Name           string `json:"name"`
	Description    string `json:"description,omitempty"`
	ContentURL     string `json:"contentUrl"`
	ContentSize    string `json:"contentSize"`
	EncodingFormat any    `json:"encodingFormat,omitempty"` // string, or [inner, compression]
	SHA256         string `json:"sha256"`
}

type crRecordSet struct {
	Type        string    `json:"@type"`
	ID          string    `json:"@id"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	Field       []crField `json:"field"`
}

type crField struct {
	Type        string   `json:"@type"`
	ID          string   `json:"@id"`
	Name        string   `json:"name"`
	Description string   `json:"description,omitempty"`
	DataType    string   `json:"dataType"`
	IsArray     bool     `json:"isArray,omitempty"`
	Source      crSource `json:"source"`
}

type crSource struct {
	FileObject crRef     `json:"fileObject"`
	Extract    crExtract `json:"extract"`
}

type crRef struct {
	ID string `json:"@id"`
}

type crExtract struct {
	JSONPath string `json:"jsonPath,omitempty"`
	Column   string `json:"column,omitempty"`
}

type crEntity struct {
	Type       string `json:"@type"`
	Name       string `json:"name"`
	ContentURL string `json:"contentUrl"`
	SHA256     string `json:"sha256"`
}

type crActivity struct {
	Type  string `json:"@type"`
	Label string `json:"prov:label"`
}

// buildCroissant renders croissant.json for the output files outs (sorted by
// path, croissant.json not among them) and the inputs (sorted by path).
func buildCroissant(run *Run, outs []outFile, inputs []Input) ([]byte, error) {
	mode := run.Mode
	if mode == "" {
		mode = "clean"
	}
	doc := crDoc{
		Context:    croissantContext,
		Type:       "sc:Dataset",
		Name:       run.Dataset.Name,
		ConformsTo: CroissantConformsTo,
		License:    run.Dataset.License,
		URL:        run.Dataset.URL,
		GeneratedBy: crActivity{
			Type:  "prov:Activity",
			Label: fmt.Sprintf("winnow %s %s", mode, run.ToolVersion),
		},
	}
	if doc.Name == "" {
		doc.Name = "winnow-output"
	}
	doc.Description = run.Dataset.Description
	if doc.Description == "" {
		doc.Description = defaultDescription(run, mode)
	}
	doc.Distribution = []crFileObject{}
	for _, o := range outs {
		fo := crFileObject{
			Type:        "cr:FileObject",
			ID:          escapePath(o.Rel),
			Name:        o.Rel,
			Description: o.Description,
			ContentURL:  escapePath(o.Rel),
			ContentSize: fmt.Sprintf("%d B", o.size),
			SHA256:      o.sha256,
		}
		if fo.Description == "" {
			fo.Description = roleDescription(o.Role)
		}
		if mt, ok := mediaTypes[o.Format]; ok {
			fo.EncodingFormat = mt
			if o.Compression != "" {
				fo.EncodingFormat = []string{mt, mediaTypes[o.Compression]}
			}
		} else if o.Compression != "" {
			fo.EncodingFormat = mediaTypes[o.Compression]
		}
		doc.Distribution = append(doc.Distribution, fo)
		if len(o.Fields) == 0 {
			continue
		}
		rsID := "records/" + escapePath(o.Rel)
		rs := crRecordSet{
			Type:        "cr:RecordSet",
			ID:          rsID,
			Name:        o.Rel,
			Description: "Records of " + o.Rel + ".",
		}
		for _, f := range o.Fields {
			cf := crField{
				Type:        "cr:Field",
				ID:          rsID + "/" + escapeSegment(f.Name),
				Name:        f.Name,
				Description: f.Description,
				DataType:    dataTypes[f.Type],
				IsArray:     f.IsArray,
				Source:      crSource{FileObject: crRef{ID: escapePath(o.Rel)}},
			}
			if o.Format == FormatJSONL || o.Format == FormatJSON {
				cf.Source.Extract.JSONPath = f.Name
				if !strings.HasPrefix(f.Name, "$") {
					cf.Source.Extract.JSONPath = "$." + f.Name
				}
			} else {
				cf.Source.Extract.Column = f.Name
			}
			rs.Field = append(rs.Field, cf)
		}
		doc.RecordSet = append(doc.RecordSet, rs)
	}
	doc.DerivedFrom = []crEntity{}
	for _, in := range inputs {
		u := in.URI
		if u == "" {
			u = escapePath(in.Path)
		}
		doc.DerivedFrom = append(doc.DerivedFrom, crEntity{Type: "prov:Entity", Name: in.Path, ContentURL: u, SHA256: in.SHA256})
	}
	doc.Preprocessing = preprocessingText(run, mode)
	doc.Sensitive = sensitiveText(&run.Summary)
	return marshalJSON(doc)
}

func roleDescription(role string) string {
	switch role {
	case RoleData:
		return "Cleaned records: kept and redacted records, in the input's format."
	case RoleQuarantine:
		return "Dropped records, with the reason in _winnow_reason."
	case RoleFindings:
		return "One row per finding: kind, position, detector, action and a keyed value hash (no raw values)."
	case RoleLedger:
		return "One row per input record: record hash, decision, reasons, detectors and output position."
	case RoleReport:
		return "Run report: record counts per file and finding counts per kind."
	}
	return ""
}

func defaultDescription(run *Run, mode string) string {
	s := &run.Summary
	if mode == "scan" {
		return fmt.Sprintf("Audit by winnow of %d input file(s) (%d records): findings and report; no records were changed.", s.Files, s.RecordsIn)
	}
	return fmt.Sprintf("Output of winnow clean over %d input file(s): %d records in, %d kept, %d redacted, %d dropped to quarantine.",
		s.Files, s.RecordsIn, s.Kept, s.Redacted, s.Dropped)
}

func preprocessingText(run *Run, mode string) string {
	s := &run.Summary
	var b strings.Builder
	fmt.Fprintf(&b, "Processed by winnow %s (%s mode). ", run.ToolVersion, mode)
	if len(s.Detectors) > 0 {
		dets := append([]string(nil), s.Detectors...)
		sort.Strings(dets)
		fmt.Fprintf(&b, "Every scanned string field of every record was checked by %d detector(s): %s. ", len(dets), strings.Join(dets, ", "))
	}
	if len(s.Policy) > 0 {
		b.WriteString("Policy: ")
		for i, p := range s.Policy {
			if i > 0 {
				b.WriteString("; ")
			}
			fmt.Fprintf(&b, "%s -> %s", p.Kinds, p.Action)
		}
		b.WriteString(". ")
	}
	if mode == "scan" {
		fmt.Fprintf(&b, "Audit only: %d records were read and none were changed. ", s.RecordsIn)
	} else {
		b.WriteString("Records with a drop decision were moved to the quarantine files with a _winnow_reason field; " +
			"records with a redact decision were written with the matched spans replaced; " +
			"all other records were copied unchanged, in the input's format and order. ")
		fmt.Fprintf(&b, "Result: %d records in, %d kept, %d redacted, %d dropped. ", s.RecordsIn, s.Kept, s.Redacted, s.Dropped)
	}
	b.WriteString("ledger.parquet records each record's decision, reasons and detector versions; " +
		"manifest.intoto.json records the configuration, the input and output digests and the tool version.")
	return b.String()
}

// sensitiveText summarizes the pii.* and secret.* counts. It states counts
// only: the package never sees values.
func sensitiveText(s *Summary) string {
	var kinds []string
	var total int64
	for k, n := range s.FindingsByKind {
		if n > 0 && (strings.HasPrefix(k, "pii.") || strings.HasPrefix(k, "secret.")) {
			kinds = append(kinds, k)
			total += n
		}
	}
	if len(kinds) == 0 {
		return "winnow's detectors reported no personal or sensitive information (pii.* or secret.* kinds) in the inputs. " +
			"Automated detection can miss information it has no detector for."
	}
	sort.Strings(kinds)
	var b strings.Builder
	fmt.Fprintf(&b, "winnow's detectors reported %d finding(s) of personal or sensitive information: ", total)
	for i, k := range kinds {
		if i > 0 {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "%s: %d finding(s) in %d record(s), %d with action drop", k, s.FindingsByKind[k], s.RecordsByKind[k], s.DroppedByKind[k])
	}
	b.WriteString(". Findings were redacted or their records dropped as the policy says; kinds whose action is report were left in place. " +
		"Only counts are given here; findings carry a keyed hash of each value, never the value.")
	return b.String()
}

// escapePath percent-escapes each segment of a forward-slash path so it can
// be used as a relative URL.
func escapePath(p string) string {
	parts := strings.Split(p, "/")
	for i, s := range parts {
		parts[i] = url.PathEscape(s)
	}
	return strings.Join(parts, "/")
}

// escapeSegment escapes a field name for use in an @id: "/" and characters
// outside IRI path syntax are percent-encoded.
func escapeSegment(s string) string { return url.PathEscape(s) }

// croissantFile is what Verify reads back from croissant.json.
type croissantFile struct {
	Rel    string
	SHA256 string
}

// errBadCroissant marks a croissant.json that cannot be checked.
var errBadCroissant = errors.New("invalid croissant.json")

// parseCroissant returns the FileObjects of a croissant.json: their
// unescaped contentUrl and sha256 (empty when absent). Errors wrap
// errBadCroissant.
func parseCroissant(b []byte) ([]croissantFile, error) {
	if len(b) > maxManifestBytes {
		return nil, fmt.Errorf("%w: larger than %d bytes", errBadCroissant, maxManifestBytes)
	}
	var doc struct {
		ConformsTo   json.RawMessage `json:"conformsTo"`
		Distribution []struct {
			Type       json.RawMessage `json:"@type"`
			ContentURL string          `json:"contentUrl"`
			SHA256     string          `json:"sha256"`
		} `json:"distribution"`
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("%w: %v", errBadCroissant, err)
	}
	var out []croissantFile
	for i, d := range doc.Distribution {
		if !isFileObject(d.Type) {
			continue
		}
		rel, err := unescapePath(d.ContentURL)
		if err != nil || !localSlashPath(rel) {
			return nil, fmt.Errorf("%w: distribution[%d]: contentUrl %q is not a relative path inside the output", errBadCroissant, i, d.ContentURL)
		}
		out = append(out, croissantFile{Rel: rel, SHA256: d.SHA256})
	}
	return out, nil
}

// isFileObject reports whether a JSON-LD @type (a string or a list) names
// cr:FileObject.
func isFileObject(t json.RawMessage) bool {
	var one string
	if json.Unmarshal(t, &one) == nil {
		return fileObjectType(one)
	}
	var many []string
	if json.Unmarshal(t, &many) == nil {
		for _, s := range many {
			if fileObjectType(s) {
				return true
			}
		}
	}
	return false
}

func fileObjectType(s string) bool {
	return s == "cr:FileObject" || s == "FileObject" || s == "http://mlcommons.org/croissant/FileObject"
}

func unescapePath(p string) (string, error) {
	parts := strings.Split(p, "/")
	for i, s := range parts {
		u, err := url.PathUnescape(s)
		if err != nil {
			return "", err
		}
		if strings.Contains(u, "/") {
			return "", errors.New("escaped slash")
		}
		parts[i] = u
	}
	return strings.Join(parts, "/"), nil
}
