package provenance

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
)

// Envelope is a DSSE envelope (https://github.com/secure-systems-lab/dsse).
// Payload and Sig are base64 (standard encoding when written; standard or
// URL-safe, padded or not, accepted when read).
type Envelope struct {
	PayloadType string      `json:"payloadType"`
	Payload     string      `json:"payload"`
	Signatures  []Signature `json:"signatures"`
}

// Signature is one DSSE signature. KeyID is KeyID(pub) of the signing key.
type Signature struct {
	KeyID string `json:"keyid,omitempty"`
	Sig   string `json:"sig"`
}

// Sentinel errors of the DSSE and key functions.
var (
	// ErrBadEnvelope marks an envelope that cannot be decoded.
	ErrBadEnvelope = errors.New("invalid DSSE envelope")
	// ErrSignature marks an envelope with no valid signature by the key.
	ErrSignature = errors.New("no valid signature")
	// ErrBadKey marks a key file that is not an ed25519 key in the expected
	// PEM form.
	ErrBadKey = errors.New("invalid ed25519 key")
)

// PAE returns the DSSE pre-authentication encoding of a payload:
// "DSSEv1" SP len(type) SP type SP len(body) SP body, lengths in ASCII
// decimal. The result is a new slice.
func PAE(payloadType string, payload []byte) []byte {
	b := make([]byte, 0, 32+len(payloadType)+len(payload))
	b = append(b, "DSSEv1 "...)
	b = strconv.AppendInt(b, int64(len(payloadType)), 10)
	b = append(b, ' ')
	b = append(b, payloadType...)
	b = append(b, ' ')
	b = strconv.AppendInt(b, int64(len(payload)), 10)
	b = append(b, ' ')
	return append(b, payload...)
}

// KeyID returns the key id of an ed25519 public key: the lowercase hex
// sha256 of its PKIX (SubjectPublicKeyInfo) DER encoding, i.e. of the bytes
// inside the PUBLIC KEY PEM block. It returns "" for a malformed key.
func KeyID(pub ed25519.PublicKey) string {
	if len(pub) != ed25519.PublicKeySize {
		return ""
	}
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return ""
	}
	s := sha256.Sum256(der)
	return hex.EncodeToString(s[:])
}

// Sign wraps statement (the manifest bytes, unchanged) in a DSSE envelope of
// payload type application/vnd.in-toto+json signed with priv, and returns the
// envelope as indented JSON with a trailing newline. Ed25519 signatures are
// deterministic, so the same statement and key give the same bytes.
func Sign(statement []byte, priv ed25519.PrivateKey) ([]byte, error) {
	if len(priv) != ed25519.PrivateKeySize {
		return nil, fmt.Errorf("%w: private key has %d bytes", ErrBadKey, len(priv))
	}
	sig := ed25519.Sign(priv, PAE(PayloadTypeInToto, statement))
	env := Envelope{
		PayloadType: PayloadTypeInToto,
		Payload:     base64.StdEncoding.EncodeToString(statement),
		Signatures: []Signature{{
			KeyID: KeyID(priv.Public().(ed25519.PublicKey)),
			Sig:   base64.StdEncoding.EncodeToString(sig),
		}},
	}
	return marshalJSON(env)
}

// DecodeEnvelope parses a DSSE envelope and its base64 payload without
// checking any signature. The payload is a new slice.
func DecodeEnvelope(b []byte) (*Envelope, []byte, error) {
	if len(b) > 2*maxManifestBytes {
		return nil, nil, fmt.Errorf("%w: too large", ErrBadEnvelope)
	}
	var env Envelope
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&env); err != nil {
		return nil, nil, fmt.Errorf("%w: %v", ErrBadEnvelope, err)
	}
	if dec.More() {
		return nil, nil, fmt.Errorf("%w: trailing data", ErrBadEnvelope)
	}
	if env.PayloadType == "" {
		return nil, nil, fmt.Errorf("%w: no payloadType", ErrBadEnvelope)
	}
	payload, err := decodeB64(env.Payload)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: payload: %v", ErrBadEnvelope, err)
	}
	return &env, payload, nil
}

// VerifyEnvelope checks that env is a DSSE envelope of payload type
// application/vnd.in-toto+json carrying at least one valid ed25519 signature
// by pub over the PAE of its payload, and returns the payload (a new
// slice). Signatures whose keyid names another key are skipped; an empty
// keyid is tried. Errors wrap ErrBadEnvelope, ErrBadKey or ErrSignature.
func VerifyEnvelope(env []byte, pub ed25519.PublicKey) ([]byte, error) {
	if len(pub) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("%w: public key has %d bytes", ErrBadKey, len(pub))
	}
	e, payload, err := DecodeEnvelope(env)
	if err != nil {
		return nil, err
	}
	if e.PayloadType != PayloadTypeInToto {
		return nil, fmt.Errorf("%w: payloadType %q, want %q", ErrBadEnvelope, e.PayloadType, PayloadTypeInToto)
	}
	if len(e.Signatures) == 0 {
		return nil, fmt.Errorf("%w: envelope has no signatures", ErrSignature)
	}
	id := KeyID(pub)
	msg := PAE(e.PayloadType, payload)
	for _, s := range e.Signatures {
		if s.KeyID != "" && s.KeyID != id {
			continue
		}
		sig, err := decodeB64(s.Sig)
		if err != nil || len(sig) != ed25519.SignatureSize {
			continue
		}
		if ed25519.Verify(pub, msg, sig) {
			return payload, nil
		}
	}
	return nil, fmt.Errorf("%w by key %s", ErrSignature, id)
}

// decodeB64 accepts standard and URL-safe base64, padded or not.
func decodeB64(s string) ([]byte, error) {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			return b, nil
		}
	}
	return nil, errors.New("not base64")
}

// GenerateKey creates an ed25519 key pair from rand (crypto/rand.Reader when
// nil) and returns it PEM-encoded: the public key as PKIX "PUBLIC KEY", the
// private key as PKCS#8 "PRIVATE KEY".
func GenerateKey(rand io.Reader) (pubPEM, privPEM []byte, err error) {
	pub, priv, err := ed25519.GenerateKey(rand)
	if err != nil {
		return nil, nil, err
	}
	if pubPEM, err = MarshalPublicKey(pub); err != nil {
		return nil, nil, err
	}
	if privPEM, err = MarshalPrivateKey(priv); err != nil {
		return nil, nil, err
	}
	return pubPEM, privPEM, nil
}

// MarshalPrivateKey encodes priv as a PKCS#8 "PRIVATE KEY" PEM block.
func MarshalPrivateKey(priv ed25519.PrivateKey) ([]byte, error) {
	if len(priv) != ed25519.PrivateKeySize {
		return nil, fmt.Errorf("%w: private key has %d bytes", ErrBadKey, len(priv))
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// MarshalPublicKey encodes pub as a PKIX "PUBLIC KEY" PEM block.
func MarshalPublicKey(pub ed25519.PublicKey) ([]byte, error) {
	if len(pub) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("%w: public key has %d bytes", ErrBadKey, len(pub))
	}
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), nil
}

// ParsePrivateKey decodes a PKCS#8 "PRIVATE KEY" PEM block holding an
// ed25519 key. Error messages never include key bytes.
func ParsePrivateKey(pemBytes []byte) (ed25519.PrivateKey, error) {
	blk, _ := pem.Decode(pemBytes)
	if blk == nil {
		return nil, fmt.Errorf("%w: no PEM block", ErrBadKey)
	}
	if blk.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("%w: PEM block %q, want PRIVATE KEY (PKCS#8, unencrypted)", ErrBadKey, blk.Type)
	}
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%w: not PKCS#8", ErrBadKey)
	}
	priv, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("%w: %T is not an ed25519 key", ErrBadKey, k)
	}
	return priv, nil
}

// ParsePublicKey decodes a PKIX "PUBLIC KEY" PEM block holding an ed25519
// key.
func ParsePublicKey(pemBytes []byte) (ed25519.PublicKey, error) {
	blk, _ := pem.Decode(pemBytes)
	if blk == nil {
		return nil, fmt.Errorf("%w: no PEM block", ErrBadKey)
	}
	if blk.Type != "PUBLIC KEY" {
		return nil, fmt.Errorf("%w: PEM block %q, want PUBLIC KEY", ErrBadKey, blk.Type)
	}
	k, err := x509.ParsePKIXPublicKey(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%w: not PKIX", ErrBadKey)
	}
	pub, ok := k.(ed25519.PublicKey)
	if !ok {
		return nil, fmt.Errorf("%w: %T is not an ed25519 key", ErrBadKey, k)
	}
	return pub, nil
}

// LoadPrivateKey reads and parses a private key file (ParsePrivateKey).
func LoadPrivateKey(path string) (ed25519.PrivateKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	k, err := ParsePrivateKey(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return k, nil
}

// LoadPublicKey reads and parses a public key file (ParsePublicKey).
func LoadPublicKey(path string) (ed25519.PublicKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	k, err := ParsePublicKey(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return k, nil
}
