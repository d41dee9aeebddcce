package jsonl

// plainRunScalar returns the length of the longest prefix of b that holds
// no byte a JSON string must treat specially: '"', '\\' or a control byte
// below 0x20. It is the reference for the SIMD build's plainRun.
func plainRunScalar(b []byte) int {
	for j, c := range b {
		if c == '"' || c == '\\' || c < 0x20 {
			return j
		}
	}
	return len(b)
}
