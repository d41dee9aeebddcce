package parquetio

import (
	"reflect"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/deprecated"
	"github.com/parquet-go/parquet-go/format"

	"github.com/winnow-data/winnow/scanner/records"
)

// ReasonColumn is the top-level column appended to the quarantine schema; it
// holds Decision.Reason for every quarantined row.
const ReasonColumn = "_winnow_reason"

// leafInfo describes one scanned leaf column.
type leafInfo struct {
	name   []byte // logical column path (DESIGN §3), e.g. "messages.content"
	leaf   int    // leaf column index in the file schema
	maxRep byte
	maxDef byte
}

// scannedLeaves walks the schema rooted at root and returns, in schema order,
// the BYTE_ARRAY leaves that carry text or plain binary and that filter
// selects by their logical name.
func scannedLeaves(root *parquet.Column, filter *records.FieldFilter) []leafInfo {
	var out []leafInfo
	add := func(c *parquet.Column, name string) {
		if !scannable(c) || !filter.MatchColumn([]byte(name)) {
			return
		}
		out = append(out, leafInfo{
			name:   []byte(name),
			leaf:   c.Index(),
			maxRep: byte(c.MaxRepetitionLevel()),
			maxDef: byte(c.MaxDefinitionLevel()),
		})
	}
	for _, c := range root.Columns() {
		visitColumn(c, c.Name(), add)
	}
	return out
}

// visitColumn calls leaf for every leaf under c, naming it with the logical
// path: struct field names joined by '.', with the repeated wrapper levels of
// LIST and MAP groups omitted. name is the logical name of c itself.
func visitColumn(c *parquet.Column, name string, leaf func(*parquet.Column, string)) {
	if c.Leaf() {
		leaf(c, name)
		return
	}
	kids := c.Columns()
	switch groupKind(c) {
	case kindVariant:
		// Variant leaves hold binary-encoded values, not text.
		return
	case kindList:
		if len(kids) == 1 && kids[0].Repeated() {
			rep := kids[0]
			if rep.Leaf() { // two-level list of primitives
				leaf(rep, name)
				return
			}
			rk := rep.Columns()
			// Three-level list: the repeated group has exactly one child, the
			// element, unless it uses one of the legacy two-level names, in
			// which case the repeated group is itself the element struct
			// (LogicalTypes.md, backward-compatibility rules).
			if len(rk) == 1 && rep.Name() != "array" && rep.Name() != c.Name()+"_tuple" {
				visitColumn(rk[0], name, leaf)
				return
			}
			visitChildren(rep, name, leaf)
			return
		}
	case kindMap:
		if len(kids) == 1 && kids[0].Repeated() && !kids[0].Leaf() {
			visitChildren(kids[0], name, leaf)
			return
		}
	}
	visitChildren(c, name, leaf)
}

func visitChildren(c *parquet.Column, prefix string, leaf func(*parquet.Column, string)) {
	for _, k := range c.Columns() {
		visitColumn(k, prefix+"."+k.Name(), leaf)
	}
}

type kind uint8

const (
	kindStruct kind = iota
	kindList
	kindMap
	kindVariant
)

func groupKind(c *parquet.Column) kind {
	t := c.Type()
	if lt := t.LogicalType(); lt != nil {
		switch lt.Value.(type) {
		case *format.ListType:
			return kindList
		case *format.MapType:
			return kindMap
		case *format.VariantType:
			return kindVariant
		}
	}
	if ct := t.ConvertedType(); ct != nil {
		switch *ct {
		case deprecated.List:
			return kindList
		case deprecated.Map, deprecated.MapKeyValue:
			return kindMap
		}
	}
	return kindStruct
}

// scannable reports whether leaf c holds text or plain binary: a BYTE_ARRAY
// column that is not a decimal or a geospatial (WKB) value.
func scannable(c *parquet.Column) bool {
	t := c.Type()
	if t.Kind() != parquet.ByteArray {
		return false
	}
	if lt := t.LogicalType(); lt != nil {
		switch lt.Value.(type) {
		case *format.DecimalType, *format.GeometryType, *format.GeographyType:
			return false
		}
	}
	if ct := t.ConvertedType(); ct != nil && *ct == deprecated.Decimal {
		return false
	}
	return true
}

// newQuarantineRoot returns the root group of the quarantine schema: the
// fields of input, in their original order, followed by the column
// ReasonColumn of type reason. (parquet.Group sorts its fields by name, so
// it cannot keep the input order.)
func newQuarantineRoot(input parquet.Node, reason parquet.Node) *groupNode {
	in := input.Fields()
	fields := make([]parquet.Field, 0, len(in)+1)
	fields = append(fields, in...)
	fields = append(fields, namedField{Node: reason, name: ReasonColumn})
	return &groupNode{Node: input, fields: fields}
}

// groupNode is a root group with its own list of fields; the embedded node
// provides the group's type and repetition.
type groupNode struct {
	parquet.Node
	fields []parquet.Field
}

// Fields returns the group's fields in order.
func (g *groupNode) Fields() []parquet.Field { return g.fields }

// String returns the group in parquet's schema notation.
func (g *groupNode) String() string { return parquet.NewSchema("schema", g).String() }

// GoType returns a struct type with one field per group field; the
// row-based writer does not use it, but it completes parquet.Node.
func (g *groupNode) GoType() reflect.Type {
	m := make(parquet.Group, len(g.fields))
	for _, f := range g.fields {
		m[f.Name()] = f
	}
	return m.GoType()
}

// namedField gives a node a name in its parent group.
type namedField struct {
	parquet.Node
	name string
}

func (f namedField) Name() string { return f.name }

func (f namedField) Value(base reflect.Value) reflect.Value {
	if base.Kind() == reflect.Struct {
		if v := base.FieldByName(f.name); v.IsValid() {
			return v
		}
	}
	return reflect.Value{}
}
