package scanner

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/BurntSushi/toml"
	"gopkg.in/yaml.v3"
)

// FileConfig is the content of a --config file (YAML or TOML, by
// extension). Every field is optional; command-line flags override it.
//
//	policy:
//	  rules:
//	    - {kinds: "pii.email", action: redact, operator: hash}
//	    - {kinds: "secret.*", action: drop}
//	fields: ["$.text", "$.messages[*].content"]
//	kinds: ["pii.*", "secret.*"]
//	detectors: {pii: {...}, secrets: {...}, poison: {...}}
type FileConfig struct {
	Policy         *Policy  `yaml:"policy" toml:"policy" json:"policy,omitempty"`
	Fields         []string `yaml:"fields" toml:"fields" json:"fields,omitempty"`
	Kinds          []string `yaml:"kinds" toml:"kinds" json:"kinds,omitempty"`
	Workers        int      `yaml:"workers" toml:"workers" json:"workers,omitempty"`
	FindingsFormat string   `yaml:"findings_format" toml:"findings_format" json:"findings_format,omitempty"`
	OnError        string   `yaml:"on_error" toml:"on_error" json:"on_error,omitempty"`
	FailOn         string   `yaml:"fail_on" toml:"fail_on" json:"fail_on,omitempty"`
	MaxRecordBytes int      `yaml:"max_record_bytes" toml:"max_record_bytes" json:"max_record_bytes,omitempty"`
	// Detectors holds per-family detector options, decoded by the caller
	// into its option structs with DecodeDetectors.
	Detectors map[string]any `yaml:"detectors" toml:"detectors" json:"detectors,omitempty"`

	format string
	raw    []byte
}

// LoadConfigFile reads a YAML (.yaml, .yml) or TOML (.toml) config file.
// Unknown keys are errors, so typos do not pass silently.
func LoadConfigFile(path string) (*FileConfig, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--config: %w", err)
	}
	fc := &FileConfig{raw: data}
	switch strings.ToLower(filepath.Ext(path)) {
	case ".yaml", ".yml":
		fc.format = "yaml"
		dec := yaml.NewDecoder(bytes.NewReader(data))
		dec.KnownFields(true)
		if err := dec.Decode(fc); err != nil && !errors.Is(err, io.EOF) { // empty file: empty config
			return nil, fmt.Errorf("--config %s: %w", path, err)
		}
	case ".toml":
		fc.format = "toml"
		md, err := toml.Decode(string(data), fc)
		if err != nil {
			return nil, fmt.Errorf("--config %s: %w", path, err)
		}
		var unknown []string
		for _, k := range md.Undecoded() {
			if len(k) > 0 && k[0] == "detectors" {
				continue
			}
			unknown = append(unknown, k.String())
		}
		if len(unknown) > 0 {
			return nil, fmt.Errorf("--config %s: unknown keys: %s", path, strings.Join(unknown, ", "))
		}
	default:
		return nil, fmt.Errorf("--config %s: want a .yaml, .yml or .toml file", path)
	}
	if fc.Policy != nil {
		if err := fc.Policy.Validate(); err != nil {
			return nil, fmt.Errorf("--config %s: %w", path, err)
		}
	}
	return fc, nil
}

// DecodeDetectors decodes the options of one detector family (the
// "detectors.<family>" table) into dst, which should hold the defaults
// already. Unknown keys are errors. A missing family leaves dst unchanged.
func (fc *FileConfig) DecodeDetectors(family string, dst any) error {
	if fc == nil || fc.Detectors == nil {
		return nil
	}
	v, ok := fc.Detectors[family]
	if !ok {
		return nil
	}
	// Round-trip through YAML, which also accepts TOML-decoded maps.
	b, err := yaml.Marshal(v)
	if err != nil {
		return err
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(dst); err != nil {
		return fmt.Errorf("--config: detectors.%s: %w", family, err)
	}
	return nil
}

// CheckFamilies lists the detector families a config may configure; used to
// reject typos such as "detectors.pi".
func (fc *FileConfig) CheckFamilies(known []string) error {
	if fc == nil {
		return nil
	}
	var bad []string
	for k := range fc.Detectors {
		found := false
		for _, n := range known {
			if k == n {
				found = true
			}
		}
		if !found {
			bad = append(bad, k)
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("--config: unknown detector families %v (known: %v)", bad, known)
	}
	return nil
}
