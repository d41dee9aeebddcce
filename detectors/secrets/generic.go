package secrets

import (
	"bytes"
	"fmt"

	"github.com/winnow-data/winnow/detectors"
)

// genericKeywords are the key names (matched anywhere in an identifier, any
// case) whose assigned values are checked for entropy: DB_PASSWORD,
// client_secret, "token":, apiKey, secret_key = …
var genericKeywords = []string{
	"password", "passwd", "passphrase", "secret", "token",
	"apikey", "api_key", "api-key", "access_key", "accesskey", "access-key", "auth_key", "authkey",
}

// genericValueChars excludes what ends an unquoted or quoted value in
// config files, code, JSON and URLs.
const genericValueChars = `\s\x00-\x1f\x7f"'\x60,;<>(){}\[\]\\&`

// fallback marks k as reported only where no specific secret kind matches.
func fallback(k detectors.Kind) detectors.Kind {
	k.Fallback = true
	return k
}

// genericFamily is secrets.generic: assignments and bearer credentials whose
// value has high entropy and does not look like a placeholder, a variable
// reference, a path or another detector's format.
func genericFamily(opt Options) family {
	var prefixes []string
	for _, f := range providers(opt) {
		for _, r := range f.rules {
			if r.lead == "" && !r.caseless && len(r.prefixes[0]) >= 3 {
				prefixes = append(prefixes, r.prefixes...)
			}
		}
	}
	valid := genericValidator(opt, prefixes)
	n := opt.GenericMinLength
	return family{
		id: "secrets.generic", version: "1",
		kinds: []detectors.Kind{fallback(kind("secret.generic_high_entropy",
			"high-entropy value assigned to a password/secret/token/API-key name or sent as a bearer credential", medium))},
		rules: []rule{
			{kind: "secret.generic_high_entropy", conf: 0.6, caseless: true, prefixes: genericKeywords, keyValue: true, suffixMax: 33,
				body: `(?:[_.-][A-Za-z0-9_.-]{0,32}|[A-Z][A-Za-z0-9_]{0,32})?` + assign +
					fmt.Sprintf(`(?P<s>[^%s=][^%s]{%d,255})`, genericValueChars, genericValueChars, n-1),
				right: `[` + genericValueChars + `]`, keepPlaceholders: true, valid: valid},
			// RFC 6750 bearer tokens: "Authorization: Bearer <token>".
			{kind: "secret.generic_high_entropy", conf: 0.7, caseless: true, prefixes: []string{"bearer "},
				body: fmt.Sprintf(`(?P<s>[A-Za-z0-9._~+/-]{%d,512}={0,2})`, n),
				left: notAlnum, right: `[^A-Za-z0-9._~+/=-]`, keepPlaceholders: true, valid: valid},
		},
		examples: []detectors.Example{
			pos("secret.generic_high_entropy", "DB_PASSWORD=Xk9#mP2$vL8qT4", "Xk9#mP2$vL8qT4"),
			pos("secret.generic_high_entropy", `{"client_secret": "8f3kQ29vLmZx0PqR7tYw"}`, "8f3kQ29vLmZx0PqR7tYw"),
			pos("secret.generic_high_entropy", "api_key: 'c9f2a81be4d07f3a'", "c9f2a81be4d07f3a"),
			pos("secret.generic_high_entropy", "$config = ['apiKey' => 'Qm8vT3xK1pZr9LwE'];", "Qm8vT3xK1pZr9LwE"),
			pos("secret.generic_high_entropy", "SECRET_KEY = \"django-insecure-7r$x9!k2m@qz5wl8\"", "django-insecure-7r$x9!k2m@qz5wl8"),
			pos("secret.generic_high_entropy", "passwd:rc4m0tEXK6tz1#\n", "rc4m0tEXK6tz1#"),
			pos("secret.generic_high_entropy", "curl -H 'Authorization: Bearer p4s28UcLDmDoSaWw5ctB' https://api.example.org", "p4s28UcLDmDoSaWw5ctB"),
			pos("secret.generic_high_entropy", `config = {\"auth_token\": \"T7hQ2mX9vK4pL8wR\"}`, "T7hQ2mX9vK4pL8wR"),
			neg("password=changeme"),
			neg("password: ${DB_PASSWORD}"),
			neg(`token = os.environ["API_TOKEN"]`),
			neg(`api_key: "<your-key>"`),
			neg(`secret: "{{ vault_secret }}"`),
			neg(`password = "%(db_password)s"`),
			neg("password: ********"),
			neg("token: xxxxxxxxxxxxxxxx"),
			neg("token=process.env.API_TOKEN"),
			neg("password: null"),
			neg("secret = true"),
			neg("password=aaaaaaaaaaaa"),
			neg("password: 1234567890"),
			neg("api_key=abcdefghijkl"),
			neg("max_tokens: 4096"),
			neg(`tokenizer = AutoTokenizer.from_pretrained("bert-base-uncased")`),
			neg("password: EXAMPLE_PASSWORD"),
			neg("token: settings.GITHUB_TOKEN"),
			neg("password_file: /run/secrets/db_password"),
			neg("token_url: https://oauth2.example.com/token"),
			neg("token = get_token_for_user(user)"),
			neg("passwd=a1b2c3d4e5f6"),
			neg("The password is stored in the vault."),
			neg("GITHUB_TOKEN=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"), // reported by secrets.github
			neg("Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30.abc"),
			neg("secret: Short1"),
			neg("password_encryption = scram-sha-256"),
		},
	}
}

// genericExact are whole values that are never secrets.
var genericExact = []string{
	"password", "passwd", "secret", "token", "null", "none", "nil", "true", "false", "undefined",
	"changeme", "required", "optional", "string", "empty", "default", "hidden", "masked", "unknown",
}

// genericRefs mark values that refer to a secret instead of holding one,
// and words that make a value an identifier or a test fixture rather than
// a random credential (cli2.writeSecret, password16, GID:user_list).
var genericRefs = []string{
	"process.env", "os.environ", "getenv", "environ[", "env.", "env[", "config.", "settings.", "secrets.",
	"vault:", "ssm:", "arn:aws", "{{", "}}", "${", "%(", "#{", "://", "your",
	"secret", "password", "passwd", "token", "test", "user", "read", "write", "value", "name", "string", "config",
}

var fileSuffixes = []string{".pem", ".key", ".json", ".txt", ".yaml", ".yml", ".env", ".crt", ".p12", ".pfx", ".jks", ".cfg", ".ini"}

func genericValidator(opt Options, providerPrefixes []string) func(text []byte, s, e int) bool {
	return func(text []byte, s, e int) bool {
		v := text[s:e]
		// Cheapest tests first: most candidates in code are references.
		if len(v) < opt.GenericMinLength || e < len(text) && text[e] == '(' {
			return false // too short, or a function call
		}
		switch v[0] {
		case '/', '~', '.':
			return false // a path
		case '$':
			if isIdentifier(v[1:]) {
				return false // $VARIABLE
			}
		}
		var lower, upper, digit, other int
		for _, c := range v {
			switch {
			case c >= 'a' && c <= 'z':
				lower++
			case c >= 'A' && c <= 'Z':
				upper++
			case c >= '0' && c <= '9':
				digit++
			default:
				other++
			}
		}
		if lower+upper == 0 {
			return false // numbers, dates, addresses
		}
		classes := 0
		for _, n := range []int{lower, upper, digit} {
			if n > 0 {
				classes++
			}
		}
		if classes < 2 {
			return false // one-case words and identifiers
		}
		need := opt.GenericMinEntropy
		if identifierPath(v) {
			if digit == 0 && (len(v) < 24 || bytes.IndexByte(v, '_') >= 0) || bytes.IndexByte(v, '.') >= 0 {
				return false // DB_PASSWORD, settings.SECRET_KEY, tokenValue, cli2.conn
			}
			if upper == 0 {
				need += 0.5 // scram-sha-256, aes-256-cbc
			}
		}
		for _, w := range genericExact {
			if len(v) == len(w) && hasPrefixFold(v, w) {
				return false
			}
		}
		for _, w := range fileSuffixes {
			if len(v) > len(w) && hasPrefixFold(v[len(v)-len(w):], w) {
				return false
			}
		}
		if hasPrefixFold(v, "eyj") || hasPrefixFold(v, "-----begin") {
			return false // secrets.jwt / secrets.private_key
		}
		for _, p := range providerPrefixes {
			if len(v) >= len(p) && string(v[:len(p)]) == p {
				return false // a provider detector's format
			}
		}
		for _, w := range genericRefs {
			if containsFold(v, w) {
				return false
			}
		}
		if looksPlaceholder(v) || interleavedSequence(v) {
			return false
		}
		return entropy(v) >= need
	}
}

func isIdentifier(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for i, c := range b {
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// identifierPath reports whether b is non-empty runs of [A-Za-z0-9_]
// joined by dots or dashes (settings.SECRET_KEY, scram-sha-256).
func identifierPath(b []byte) bool {
	start := 0
	for i := 0; i <= len(b); i++ {
		if i == len(b) || b[i] == '.' || b[i] == '-' {
			if i == start {
				return false
			}
			start = i + 1
			continue
		}
		if c := b[i]; !(c == '_' || isAlnum(c)) {
			return false
		}
	}
	return true
}

// interleavedSequence reports whether both the letters and the digits of b
// run in sequence, as in a1b2c3d4.
func interleavedSequence(b []byte) bool {
	var lastL, lastD byte
	nl, nd := 0, 0
	for _, c := range b {
		c = lowerByte(c)
		switch {
		case c >= 'a' && c <= 'z':
			if nl > 0 && c != lastL+1 {
				return false
			}
			lastL = c
			nl++
		case c >= '0' && c <= '9':
			if nd > 0 && c != lastD+1 {
				return false
			}
			lastD = c
			nd++
		default:
			return false
		}
	}
	return nl >= 3 && nd >= 3
}
