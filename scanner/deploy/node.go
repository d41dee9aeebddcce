package deploy

import (
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// toNode converts the Kubernetes and Argo object types of this package
// (structs with yaml tags, pointers, slices, map[string]string, strings,
// ints and bools) into a YAML node tree. It exists because yaml.v3's own
// marshalling writes some strings, such as "\n", as block scalars that
// read back differently; here every string gets the !!str tag and, when
// it holds anything but printable ASCII or has leading or trailing blanks,
// the double-quoted style, whose escapes every YAML parser reads back
// unchanged. The encoder still quotes plain strings that would otherwise
// read as numbers, booleans or null.
func toNode(v reflect.Value) (*yaml.Node, error) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"}, nil
		}
		return toNode(v.Elem())
	case reflect.Struct:
		n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			name, opts, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
			f := v.Field(i)
			if name == "" || name == "-" {
				return nil, fmt.Errorf("%s.%s has no yaml name", t, t.Field(i).Name)
			}
			if opts == "omitempty" && empty(f) {
				continue
			}
			c, err := toNode(f)
			if err != nil {
				return nil, err
			}
			n.Content = append(n.Content, strNode(name), c)
		}
		return n, nil
	case reflect.Slice:
		n := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
		for i := 0; i < v.Len(); i++ {
			c, err := toNode(v.Index(i))
			if err != nil {
				return nil, err
			}
			n.Content = append(n.Content, c)
		}
		return n, nil
	case reflect.Map:
		if v.Type().Key().Kind() != reflect.String || v.Type().Elem().Kind() != reflect.String {
			return nil, fmt.Errorf("unsupported map type %s", v.Type())
		}
		keys := make([]string, 0, v.Len())
		for _, k := range v.MapKeys() {
			keys = append(keys, k.String())
		}
		sort.Strings(keys)
		n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		for _, k := range keys {
			n.Content = append(n.Content, strNode(k), strNode(v.MapIndex(reflect.ValueOf(k)).String()))
		}
		return n, nil
	case reflect.String:
		return strNode(v.String()), nil
	case reflect.Int:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.FormatInt(v.Int(), 10)}, nil
	case reflect.Bool:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: strconv.FormatBool(v.Bool())}, nil
	}
	return nil, fmt.Errorf("unsupported type %s", v.Type())
}

// empty reports whether omitempty drops v.
func empty(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Slice, reflect.Map:
		return v.Len() == 0
	}
	return v.IsZero()
}

func strNode(s string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
	if strings.IndexFunc(s, func(r rune) bool { return r < 0x20 || r > 0x7e }) >= 0 || strings.TrimSpace(s) != s {
		n.Style = yaml.DoubleQuotedStyle
	}
	return n
}
