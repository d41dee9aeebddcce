package provenance

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
)

// hashBufSize is the read buffer of HashFile: large enough that the hash,
// not the syscalls, dominates.
const hashBufSize = 1 << 20

// HashFile returns the lowercase hex sha256 of the file at path and its size
// in bytes, reading it as a stream through a 1 MiB buffer. It is safe for
// concurrent use.
func HashFile(path string) (sum string, size int64, err error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	sum, size, err = hashReader(f, make([]byte, hashBufSize))
	if err != nil {
		return "", 0, fmt.Errorf("hashing %s: %w", path, err)
	}
	return sum, size, nil
}

// HashReader returns the lowercase hex sha256 of everything r yields and the
// number of bytes read. It does not close r.
func HashReader(r io.Reader) (sum string, size int64, err error) {
	return hashReader(r, make([]byte, hashBufSize))
}

func hashReader(r io.Reader, buf []byte) (string, int64, error) {
	h := sha256.New()
	n, err := io.CopyBuffer(h, onlyReader{r}, buf)
	if err != nil {
		return "", n, err
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// onlyReader hides WriterTo/ReaderFrom so io.CopyBuffer really uses buf.
type onlyReader struct{ r io.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }

// RecordHash returns the lowercase hex sha256 of one record's bytes, the
// value of LedgerRow.RecordHash. It does not retain rec.
func RecordHash(rec []byte) string {
	s := sha256.Sum256(rec)
	return hex.EncodeToString(s[:])
}

// validHex reports whether s is a lowercase hex sha256 (64 digits).
func validHex(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}
