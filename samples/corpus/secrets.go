package corpus

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"encoding/binary"
	"encoding/pem"
	"fmt"
	"hash/crc32"
	"math/big"
	"strings"
)

// Secret kinds (DESIGN §6).
const (
	KindAWSAccessKeyID     = "secret.aws_access_key_id"
	KindAWSSecretAccessKey = "secret.aws_secret_access_key"
	KindGitHubToken        = "secret.github_token"
	KindSlackToken         = "secret.slack_token"
	KindStripeKey          = "secret.stripe_key"
	KindGoogleAPIKey       = "secret.google_api_key"
	KindOpenAIKey          = "secret.openai_key"
	KindPrivateKey         = "secret.private_key"
	KindJWT                = "secret.jwt"
	KindGenericSecret      = "secret.generic_high_entropy"
)

const base32Upper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"

func (r rng) awsAccessKeyID() (string, string) {
	pre := "AKIA"
	note := "aws access key id"
	if r.chance(0.2) {
		pre, note = "ASIA", "aws temporary access key id"
	}
	for {
		id := pre + r.from(base32Upper, 16)
		if !strings.Contains(id, "EXAMPLE") {
			return id, note
		}
	}
}

func (r rng) awsSecretAccessKey() (string, string) {
	return r.from(alnum+"/+", 40), "aws secret access key"
}

// base62Encode encodes n in base 62 (0-9A-Za-z) without padding.
func base62Encode(n uint32) string {
	if n == 0 {
		return "0"
	}
	var out []byte
	for n > 0 {
		out = append(out, base62[n%62])
		n /= 62
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return string(out)
}

// githubToken returns a GitHub token. Classic prefixed tokens end in the
// base62 CRC-32 of their 30 random characters, as GitHub's own tokens do.
func (r rng) githubToken() (string, string) {
	if r.chance(0.25) {
		return "github_pat_" + r.from(alnum, 22) + "_" + r.from(alnum, 59), "github fine-grained pat"
	}
	prefix := r.pick([]string{"ghp_", "ghp_", "gho_", "ghs_"})
	for {
		body := r.from(base62, 30)
		sum := base62Encode(crc32.ChecksumIEEE([]byte(body)))
		if len(sum) == 6 {
			return prefix + body + sum, "github " + strings.TrimSuffix(prefix, "_") + " token"
		}
	}
}

func (r rng) slackToken() (string, string) {
	if r.chance(0.7) {
		return fmt.Sprintf("xoxb-%s-%s-%s", r.digits(r.between(10, 12)), r.digits(13), r.from(alnum, 24)), "slack bot token"
	}
	return fmt.Sprintf("xoxp-%s-%s-%s-%s", r.digits(11), r.digits(11), r.digits(13), r.from(hexLower, 32)), "slack user token"
}

func (r rng) stripeKey() (string, string) {
	switch r.IntN(3) {
	case 0:
		return "sk_live_" + r.from(alnum, 24), "stripe secret key"
	case 1:
		return "sk_live_51" + r.from(alnum, 97), "stripe secret key"
	default:
		return "rk_live_" + r.from(alnum, 24), "stripe restricted key"
	}
}

func (r rng) googleAPIKey() (string, string) {
	return "AIza" + r.from(alnum+"-_", 35), "google api key"
}

func (r rng) openAIKey() (string, string) {
	const url64 = alnum + "-_"
	if r.chance(0.75) {
		return "sk-proj-" + r.from(url64, 74) + "T3BlbkFJ" + r.from(url64, 74), "openai project key"
	}
	return "sk-" + r.from(alnum, 20) + "T3BlbkFJ" + r.from(alnum, 20), "openai legacy key"
}

const genericSecretAlphabet = alnum + "!#$%&*+-=?@^_~"

// genericSecret returns a high-entropy password-like value.
func (r rng) genericSecret() (string, string) {
	for {
		s := r.from(genericSecretAlphabet, r.between(18, 32))
		lower, upper, digit := false, false, false
		for i := 0; i < len(s); i++ {
			c := s[i]
			lower = lower || c >= 'a' && c <= 'z'
			upper = upper || c >= 'A' && c <= 'Z'
			digit = digit || c >= '0' && c <= '9'
		}
		if lower && upper && digit {
			return s, "high-entropy password"
		}
	}
}

// jwt returns an HS256-signed JSON Web Token with a real base64url JSON
// header, claims and HMAC-SHA256 signature.
func (r rng) jwt() (string, string) {
	enc := base64.RawURLEncoding
	header := enc.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))
	iat := 1_700_000_000 + r.IntN(60_000_000)
	claims := fmt.Sprintf(`{"sub":"%s","name":"%s %s","role":"%s","iat":%d,"exp":%d}`,
		r.digits(8), r.pick(firstNames), r.pick(lastNames), r.pick([]string{"user", "admin", "editor", "service"}), iat, iat+3600*r.between(1, 72))
	payload := enc.EncodeToString([]byte(claims))
	mac := hmac.New(sha256.New, r.bytes(32))
	mac.Write([]byte(header + "." + payload))
	return header + "." + payload + "." + enc.EncodeToString(mac.Sum(nil)), "jwt hs256"
}

// ---- private keys ----

// prime returns a deterministic random prime of the given bit length.
func (r rng) prime(bitLen int) *big.Int {
	b := r.bytes(bitLen / 8)
	b[0] |= 0xc0
	b[len(b)-1] |= 1
	p := new(big.Int).SetBytes(b)
	two := big.NewInt(2)
	for !p.ProbablyPrime(20) {
		p.Add(p, two)
	}
	return p
}

type pkcs1Key struct {
	Version                     int
	N, E, D, P, Q, Dp, Dq, Qinv *big.Int
}

// rsaKeyPEM returns a real 1024-bit PKCS#1 RSA private key built from
// deterministic primes (crypto/rsa.GenerateKey cannot be seeded).
func (r rng) rsaKeyPEM() string {
	e := big.NewInt(65537)
	one := big.NewInt(1)
	for {
		p, q := r.prime(512), r.prime(512)
		if p.Cmp(q) == 0 {
			continue
		}
		pm, qm := new(big.Int).Sub(p, one), new(big.Int).Sub(q, one)
		phi := new(big.Int).Mul(pm, qm)
		d := new(big.Int).ModInverse(e, phi)
		if d == nil {
			continue
		}
		k := pkcs1Key{
			N: new(big.Int).Mul(p, q), E: e, D: d, P: p, Q: q,
			Dp:   new(big.Int).Mod(d, pm),
			Dq:   new(big.Int).Mod(d, qm),
			Qinv: new(big.Int).ModInverse(q, p),
		}
		der, err := asn1.Marshal(k)
		if err != nil {
			panic(err) // fixed structure of big integers: cannot fail
		}
		return strings.TrimSuffix(string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: der})), "\n")
	}
}

func (r rng) ecKeyPEM() string {
	for {
		k, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), r.bytes(32))
		if err != nil {
			continue
		}
		der, err := x509.MarshalECPrivateKey(k)
		if err != nil {
			continue
		}
		return strings.TrimSuffix(string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der})), "\n")
	}
}

func (r rng) pkcs8KeyPEM() string {
	der, err := x509.MarshalPKCS8PrivateKey(ed25519.NewKeyFromSeed(r.bytes(32)))
	if err != nil {
		panic(err) // an Ed25519 key always marshals
	}
	return strings.TrimSuffix(string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})), "\n")
}

// openSSHKey returns an unencrypted openssh-key-v1 Ed25519 private key.
func (r rng) openSSHKey(comment string) string {
	key := ed25519.NewKeyFromSeed(r.bytes(32))
	pub := key.Public().(ed25519.PublicKey)
	str := func(dst, s []byte) []byte {
		dst = binary.BigEndian.AppendUint32(dst, uint32(len(s)))
		return append(dst, s...)
	}
	var pubBlob []byte
	pubBlob = str(pubBlob, []byte("ssh-ed25519"))
	pubBlob = str(pubBlob, pub)
	check := r.Uint32()
	var priv []byte
	priv = binary.BigEndian.AppendUint32(priv, check)
	priv = binary.BigEndian.AppendUint32(priv, check)
	priv = str(priv, []byte("ssh-ed25519"))
	priv = str(priv, pub)
	priv = str(priv, key)
	priv = str(priv, []byte(comment))
	for i := byte(1); len(priv)%8 != 0; i++ {
		priv = append(priv, i)
	}
	blob := []byte("openssh-key-v1\x00")
	blob = str(blob, []byte("none"))
	blob = str(blob, []byte("none"))
	blob = str(blob, nil)
	blob = binary.BigEndian.AppendUint32(blob, 1)
	blob = str(blob, pubBlob)
	blob = str(blob, priv)
	b64 := base64.StdEncoding.EncodeToString(blob)
	var b strings.Builder
	b.WriteString("-----BEGIN OPENSSH PRIVATE KEY-----\n")
	for len(b64) > 70 {
		b.WriteString(b64[:70])
		b.WriteByte('\n')
		b64 = b64[70:]
	}
	b.WriteString(b64)
	b.WriteString("\n-----END OPENSSH PRIVATE KEY-----")
	return b.String()
}

// privateKey returns a PEM or OpenSSH private key block.
func (r rng) privateKey() (string, string) {
	switch r.IntN(4) {
	case 0:
		return r.rsaKeyPEM(), "rsa pkcs1 pem"
	case 1:
		return r.ecKeyPEM(), "ec sec1 pem"
	case 2:
		return r.pkcs8KeyPEM(), "ed25519 pkcs8 pem"
	default:
		return r.openSSHKey(strings.ToLower(r.pick(firstNames)) + "@" + r.pick([]string{"laptop", "build-01", "devbox", "ci-runner"})), "openssh ed25519"
	}
}

// secretPlaceholders are values that look like credentials but are
// documentation examples or templates; they must not be reported.
var secretPlaceholders = []string{
	"AKIAIOSFODNN7EXAMPLE",
	"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
	"<your-api-key>",
	"${API_KEY}",
	"changeme",
	"xxxxxxxx",
	"YOUR_STRIPE_SECRET_KEY",
	"ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
	"sk-...",
	"<REDACTED>",
	"${{ secrets.GITHUB_TOKEN }}",
	"os.environ[\"OPENAI_API_KEY\"]",
	"process.env.STRIPE_SECRET_KEY",
	"{{ .Values.apiKey }}",
	"password123",
	"********",
}
